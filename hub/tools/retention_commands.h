// The CLI11 definitions of `retention set|show|apply` (docs/hub-storage.md
// "Retention") and their dispatch. Each calls RetentionService and prints:
// Chinese by default, English with --lang en, --json lines for scripts.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "commands.h"

namespace sweep::hubcli {

class RetentionCli {
 public:
  // Adds `retention` and its subcommands to `app`.
  explicit RetentionCli(CLI::App* app);
  // Whether one of them was parsed; if so runs it into *status.
  bool Run(const Ctx& c, Status* status);
  bool json() const { return json_; }

 private:
  bool json_ = false, dry_run_ = false;
  std::string category_;
  uint32_t days_ = 0;
  CLI::App *set_ = nullptr, *show_ = nullptr, *apply_ = nullptr;
};

}  // namespace sweep::hubcli
