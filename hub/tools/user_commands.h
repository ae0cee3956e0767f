// The CLI11 definitions of `user add|passwd|list|disable` (the station
// dashboard's accounts, docs/api.md "Station dashboard") and their dispatch.
// Passwords are read from standard input (one line; not echoed on a
// terminal), never from the command line, and wiped after use.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "commands.h"

namespace sweep::hubcli {

class UserCli {
 public:
  // Adds `user` and its subcommands to `app`.
  explicit UserCli(CLI::App* app);
  // Whether one of them was parsed; if so runs it into *status.
  bool Run(const Ctx& c, Status* status);
  bool json() const { return json_; }

 private:
  bool json_ = false;
  std::string id_, name_, role_, agency_ = "police";
  CLI::App *add_ = nullptr, *passwd_ = nullptr, *list_ = nullptr, *disable_ = nullptr,
           *role_cmd_ = nullptr;
};

}  // namespace sweep::hubcli
