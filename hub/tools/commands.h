// The sweep-hub commands of the register, beats, ledger and coverage (the
// sync commands stay in main.cc). Each parses nothing (main.cc does), calls
// a service and prints: Chinese by default, English with --lang en; tables
// for people, --json lines for scripts.
#pragma once

#include <string>

#include "sweep/hub/register.h"
#include "sweep/hub/service.h"

namespace sweep::hubcli {

struct Ctx {
  hub::HubService* service = nullptr;
  bool english = false;
  bool json = false;
  const char* T(const char* zh, const char* en) const { return english ? en : zh; }
};

Status CmdBuildingsImport(const Ctx& c, const std::string& path, const std::string& format,
                          const std::string& default_division);
Status CmdBuildingsList(const Ctx& c, const std::string& community);
Status CmdBuildingsShow(const Ctx& c, const std::string& address);

enum class BeatEdit { kCreate, kAdd, kRemove };
Status CmdBeatsEdit(const Ctx& c, BeatEdit edit, const std::string& name,
                    const hub::BeatMembers& members);
Status CmdBeatsDelete(const Ctx& c, const std::string& name);
Status CmdBeatsList(const Ctx& c);
Status CmdBeatsShow(const Ctx& c, const std::string& name);
Status CmdAssign(const Ctx& c, const std::string& beat, const std::string& officer, bool assign);

// Options of `ledger config`; empty / negative = not given.
struct LedgerConfigArgs {
  std::string cycle, anchor, default_division;
  bool default_division_given = false;
  long cycle_days = -1, revisit_days = -1;
};
Status CmdLedgerConfig(const Ctx& c, const LedgerConfigArgs& args);

Status CmdCoverage(const Ctx& c, const std::string& beat, const std::string& format,
                   const std::string& at, const std::string& output);

// "…" with JSON escapes.
std::string JsonString(const std::string& s);

}  // namespace sweep::hubcli
