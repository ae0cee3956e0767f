// The CLI11 definitions of the register, beats, ledger and coverage
// commands of sweep-hub, and their dispatch (main.cc keeps the sync ones).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "commands.h"

namespace sweep::hubcli {

class RegisterCli {
 public:
  // Adds `buildings`, `beats`, `assign`, `unassign`, `ledger` and `coverage` to `app`.
  explicit RegisterCli(CLI::App* app);
  // Whether one of them was parsed; if so runs it into *status.
  bool Run(const Ctx& c, Status* status);
  bool json() const { return json_; }

 private:
  void AddBuildings(CLI::App* app);
  void AddBeats(CLI::App* app);
  void AddLedger(CLI::App* app);

  bool json_ = false;
  std::string path_, format_, division_, community_, address_, name_, beat_, officer_, at_, output_;
  hub::BeatMembers members_;
  LedgerConfigArgs ledger_;
  CLI::App *import_ = nullptr, *list_ = nullptr, *show_ = nullptr;
  CLI::App *create_ = nullptr, *add_ = nullptr, *remove_ = nullptr, *delete_ = nullptr,
           *beats_list_ = nullptr, *beats_show_ = nullptr;
  CLI::App *assign_ = nullptr, *unassign_ = nullptr, *config_ = nullptr, *coverage_ = nullptr;
  CLI::Option* division_opt_ = nullptr;
};

}  // namespace sweep::hubcli
