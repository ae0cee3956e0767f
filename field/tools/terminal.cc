#include "terminal.h"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "sweep/schema/env.h"

namespace sweep::cli {
namespace {

Result<Pin> ToPin(std::string& line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  Pin pin{crypto::SecretBuffer::CopyOf(crypto::AsBytes(line))};
  std::fill(line.begin(), line.end(), '\0');
  if (pin.buf.size() == 0) return Status::InvalidArgument("empty PIN");
  return pin;
}

Result<Pin> ReadFromTty(const std::string& prompt) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr) {
    return Status::InvalidArgument(
        "no terminal to ask for the PIN: run on a terminal, or pass --pin-stdin and give the "
        "PIN on the first line of standard input");
  }
  std::fputs(prompt.c_str(), tty);
  std::fflush(tty);
  termios old{};
  int fd = fileno(tty);
  bool restore = tcgetattr(fd, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  char buf[256];
  bool got = std::fgets(buf, sizeof buf, tty) != nullptr;
  if (restore) tcsetattr(fd, TCSAFLUSH, &old);
  std::fputs("\n", tty);
  std::fclose(tty);
  std::string line = got ? std::string(buf) : std::string();
  sodium_memzero(buf, sizeof buf);
  if (!got) return Status::InvalidArgument("no PIN entered");
  return ToPin(line);
}

}  // namespace

Result<Pin> ReadPin(const std::string& prompt, bool from_stdin, std::istream& in, bool confirm) {
  if (from_stdin) {
    std::string line;
    if (!std::getline(in, line)) {
      return Status::InvalidArgument("--pin-stdin: standard input ended before the PIN line");
    }
    return ToPin(line);
  }
  SWEEP_ASSIGN_OR_RETURN(Pin first, ReadFromTty(prompt));
  if (confirm) {
    SWEEP_ASSIGN_OR_RETURN(Pin second, ReadFromTty("Repeat PIN / 再次输入PIN: "));
    if (first.view() != second.view()) {
      return Status::InvalidArgument("the two PINs differ; nothing was changed");
    }
  }
  return first;
}

Progress::Progress(std::string what, uint64_t total_items, uint64_t total_bytes)
    : what_(std::move(what)),
      total_items_(total_items),
      total_bytes_(total_bytes),
      start_us_(Env::Default()->MonotonicMicros()),
      tty_(isatty(STDERR_FILENO) == 1) {}

void Progress::Update(uint64_t items, uint64_t bytes) {
  items_ = items;
  bytes_ = bytes;
  int64_t now = Env::Default()->MonotonicMicros();
  if (now - last_draw_us_ >= 200'000) {
    last_draw_us_ = now;
    Draw(false);
  }
}

void Progress::Done() { Draw(true); }

void Progress::Draw(bool final) {
  if (!tty_) return;
  double secs = (Env::Default()->MonotonicMicros() - start_us_) / 1e6;
  double rate = secs > 0 ? items_ / secs : 0;
  char eta[32] = "--";
  if (rate > 0 && total_items_ > items_) {
    std::snprintf(eta, sizeof eta, "%.0fs", (total_items_ - items_) / rate);
  }
  std::fprintf(stderr, "\r%s: %llu/%llu, %.1f MiB, %.0f/s, ETA %s   %s", what_.c_str(),
               static_cast<unsigned long long>(items_),
               static_cast<unsigned long long>(total_items_), bytes_ / 1048576.0, rate,
               final ? "0s" : eta, final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace sweep::cli
