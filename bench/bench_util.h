// Small tools shared by the benchmarks: a stopwatch, order statistics, a
// temporary folder that removes itself, terminal progress and the report
// (a human-readable table plus one JSON line per figure). Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "sweep/schema/status.h"

namespace sweep::bench {

// Wall-clock time and this thread's CPU time since construction.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()), cpu_start_(ThreadCpuSeconds()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  double CpuSeconds() const { return ThreadCpuSeconds() - cpu_start_; }

 private:
  static double ThreadCpuSeconds();
  std::chrono::steady_clock::time_point start_;
  double cpu_start_;
};

// Median and nearest-rank percentile (p in [0, 100]). REQUIRES: !values.empty().
double Median(std::vector<double> values);
double Percentile(std::vector<double> values, double p);

// A fresh folder under `parent` (created with mkdtemp), removed with all its
// content on destruction.
class TempDir {
 public:
  static Result<std::unique_ptr<TempDir>> Create(const std::string& parent);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Total size of the files in the folder, in bytes.
  uint64_t SizeOnDisk() const;

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// "label: done/total" on one stderr line, redrawn at most ten times a
// second; silent unless stderr is a terminal. The line is cleared on
// destruction.
class Progress {
 public:
  Progress(std::string label, uint64_t total);
  ~Progress();
  void Update(uint64_t done);

 private:
  std::string label_;
  uint64_t total_;
  bool enabled_;
  std::chrono::steady_clock::time_point last_;
};

// Collects figures; prints them as a table (for people) and as JSON lines
// {"name":...,"value":...,"unit":...} (for comparison over time).
class Report {
 public:
  void Section(std::string title);
  void Add(std::string name, double value, std::string unit, std::string label);
  void PrintTable(std::FILE* out) const;
  void PrintJsonLines(std::FILE* out) const;

 private:
  struct Row {
    std::string section;  // non-empty: a heading row
    std::string name, unit, label;
    double value = 0;
  };
  std::vector<Row> rows_;
};

}  // namespace sweep::bench
