#include "bench_util.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace sweep::bench {

namespace fs = std::filesystem;

double Stopwatch::ThreadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return values[std::min(i, values.size() - 1)];
}

Result<std::unique_ptr<TempDir>> TempDir::Create(const std::string& parent) {
  std::string tmpl = (fs::path(parent) / "sweep-bench-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Status::IOError("cannot create a temporary folder in " + parent +
                           ": check that it exists and is writable (--dir)");
  }
  return std::unique_ptr<TempDir>(new TempDir(tmpl));
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

uint64_t TempDir::SizeOnDisk() const {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(path_, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

Progress::Progress(std::string label, uint64_t total)
    : label_(std::move(label)), total_(total), enabled_(::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() {
  if (enabled_) std::fprintf(stderr, "\r\033[K");
}

void Progress::Update(uint64_t done) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  std::fprintf(stderr, "\r\033[K%s: %llu/%llu", label_.c_str(),
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_));
  std::fflush(stderr);
}

void Report::Section(std::string title) { rows_.push_back({std::move(title), "", "", "", 0}); }

void Report::Add(std::string name, double value, std::string unit, std::string label) {
  rows_.push_back({"", std::move(name), std::move(unit), std::move(label), value});
}

namespace {
// Enough digits for a ratio, no exponent for a throughput.
std::string FormatValue(double v) {
  char buf[64];
  if (std::fabs(v) >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else if (std::fabs(v) >= 100) {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  }
  return buf;
}
}  // namespace

void Report::PrintTable(std::FILE* out) const {
  size_t label_width = 0;
  for (const Row& r : rows_) label_width = std::max(label_width, r.label.size());
  for (const Row& r : rows_) {
    if (!r.section.empty()) {
      std::fprintf(out, "\n%s\n", r.section.c_str());
      continue;
    }
    std::fprintf(out, "  %-*s %12s %-10s %s\n", static_cast<int>(label_width), r.label.c_str(),
                 FormatValue(r.value).c_str(), r.unit.c_str(), r.name.c_str());
  }
  std::fprintf(out, "\n");
}

void Report::PrintJsonLines(std::FILE* out) const {
  for (const Row& r : rows_) {
    if (!r.section.empty()) continue;
    std::fprintf(out, "{\"name\":\"%s\",\"value\":%s,\"unit\":\"%s\"}\n", r.name.c_str(),
                 FormatValue(r.value).c_str(), r.unit.c_str());
  }
}

}  // namespace sweep::bench
