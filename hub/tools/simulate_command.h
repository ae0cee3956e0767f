// `sweep-hub simulate`: realistic station data with ground truth
// (sweep/hub/simulate.h, docs/simulate.md). Needs no database.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "sweep/hub/simulate.h"

namespace sweep::hubcli {

class SimulateCli {
 public:
  explicit SimulateCli(CLI::App* app);  // adds `simulate` to `app`
  bool parsed() const { return cmd_->parsed(); }
  // Runs it: prints a summary (Chinese, or English), writes the files.
  Status Run(bool english);

 private:
  CLI::App* cmd_ = nullptr;
  std::string out_;
  hub::sim::Options opt_;
  std::string codes_;
  std::string noise_ = "0.15";  // a share, or hard[:share]
};

}  // namespace sweep::hubcli
