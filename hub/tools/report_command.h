// The CLI11 definition of `report` (the end-of-day report, docs/report.md)
// and its dispatch: catches the ledger up, loads the case file, computes
// the day's figures and prints them as a table, CSV, HTML or one JSON line.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "commands.h"

namespace sweep::hubcli {

class ReportCli {
 public:
  // Adds `report` to `app`.
  explicit ReportCli(CLI::App* app);
  // Whether `report` was parsed; if so runs it into *status.
  bool Run(const Ctx& c, Status* status);
  bool json() const { return json_; }

 private:
  bool json_ = false;
  std::string date_, format_ = "table", output_;
  size_t top_ = 10;
  CLI::App* report_ = nullptr;
};

}  // namespace sweep::hubcli
