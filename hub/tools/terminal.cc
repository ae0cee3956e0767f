#include "terminal.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string_view>

#include "sweep/schema/env.h"

namespace sweep::hubcli {

std::string LocalTime(int64_t ms) {
  if (ms <= 0) return "-";
  time_t t = static_cast<time_t>(ms / 1000 + 8 * 3600);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

Status WriteReport(const std::string& text, const std::string& output, bool english) {
  if (output.empty()) {
    std::cout << text;
    return Status::Ok();
  }
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    return Status::IOError("cannot write " + output + ": check the folder exists and is writable");
  }
  std::cerr << (english ? "written to " : "已写入 ") << output << "\n";
  return Status::Ok();
}

Progress::Progress(std::string what)
    : what_(std::move(what)),
      start_us_(Env::Default()->MonotonicMicros()),
      tty_(isatty(STDERR_FILENO) == 1) {}

void Progress::Update(uint64_t done, uint64_t total) {
  done_ = done;
  total_ = total;
  int64_t now = Env::Default()->MonotonicMicros();
  if (now - last_draw_us_ >= 200'000) {
    last_draw_us_ = now;
    Draw(false);
  }
}

void Progress::Done() {
  if (drawn_) Draw(true);
}

void Progress::Draw(bool final) {
  if (!tty_) return;
  drawn_ = true;
  double secs = static_cast<double>(Env::Default()->MonotonicMicros() - start_us_) / 1e6;
  double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
  char eta[32] = "--";
  if (rate > 0 && total_ > done_) {
    std::snprintf(eta, sizeof eta, "%.0fs", static_cast<double>(total_ - done_) / rate);
  }
  std::fprintf(stderr, "\r%s: %llu/%llu, %.0f/s, ETA %s   %s", what_.c_str(),
               static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_),
               rate, final ? "0s" : eta, final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace sweep::hubcli
