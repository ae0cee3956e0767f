// The CLI11 definitions of `audit verify` and `audit show` (the hub's audit
// log, docs/hub-storage.md "Audit log") and their dispatch, plus how the
// other sweep-hub commands leave their entry: actor from --by, else the
// global --as, else $USER; device "cli".
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "commands.h"
#include "sweep/hub/audit.h"

namespace sweep::hubcli {

class AuditCli {
 public:
  // Adds `audit` and the global --as option to `app`.
  explicit AuditCli(CLI::App* app);
  // Whether one of them was parsed; if so runs it into *status.
  bool Run(const Ctx& c, Status* status);
  bool json() const { return json_; }

 private:
  bool json_ = false;
  std::string entity_, actor_, since_, anchor_;
  size_t limit_ = 10000;
  CLI::App *verify_ = nullptr, *show_ = nullptr;
};

// Who runs this command: `by` when given, else --as, else $USER ("unknown"
// when none); the role of the dashboard account of that id, else "operator".
hub::AuditActor CliActor(const Ctx& c, const std::string& by = "");
// Appends this command's entry; a command that reads shows nothing unless
// it returned OK.
Status AuditCliEntry(const Ctx& c, const std::string& by, std::string_view action,
                     const std::string& entity, const std::string& detail = "{}");

}  // namespace sweep::hubcli
