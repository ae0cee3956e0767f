// The CLI11 definitions of the case file commands (docs/cases.md): `dens`,
// `suspects`, `companies`, `conflicts`, `dispositions`, `graph` and
// `watchlist publish`, and their dispatch. Thin: each parses its options,
// calls CaseService and prints (Chinese by default, English with --lang en,
// JSON lines with --json where it lists).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "commands.h"

namespace sweep::hubcli {

// What the `… set` and `dispositions add` commands were given.
struct CaseArgs {
  std::string subject;  // KEY|ADDRESS, ENTITY|ID-NUMBER, CODE or NODE
  std::string status, why, by, involvement;
  std::vector<std::string> dispositions;  // CODE[=detail]
  uint64_t base_version = 0;
  bool base_given = false;
  std::string zh, en, scope = "person", watch;
  int depth = 2;
  std::string format = "table";
};

class CaseCli {
 public:
  // Adds the commands to `app`; `watchlist publish` goes under the existing
  // `watchlist` command when main.cc defined it first.
  explicit CaseCli(CLI::App* app);
  // Whether one of them was parsed; if so runs it into *status.
  bool Run(const Ctx& c, Status* status);
  bool json() const { return json_; }

 private:
  void Subject(CLI::App* cmd, const char* what);  // the required SUBJECT argument
  void Change(CLI::App* cmd);                     // --why, --by, --base-version
  void AddDensSuspects(CLI::App* app);
  void AddOthers(CLI::App* app);

  bool json_ = false;
  CaseArgs a_;
  std::vector<CLI::Option*> bases_;  // --base-version of dens set, suspects set
  CLI::App *dens_list_ = nullptr, *dens_show_ = nullptr, *dens_set_ = nullptr,
           *suspects_list_ = nullptr, *suspects_show_ = nullptr, *suspects_set_ = nullptr,
           *companies_list_ = nullptr, *companies_show_ = nullptr, *conflicts_list_ = nullptr,
           *disp_list_ = nullptr, *disp_add_ = nullptr, *disp_remove_ = nullptr, *graph_ = nullptr,
           *publish_ = nullptr;
};

}  // namespace sweep::hubcli
