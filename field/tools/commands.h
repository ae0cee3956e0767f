// The commands of sweep-field. Each one parses nothing itself (main.cc does,
// with CLI11), calls the store, prints, and returns a Status that main maps
// to an exit code. Output goes to `out`, diagnostics to `err`.
#pragma once

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "sweep/schema/status.h"

namespace sweep::field {
class Store;
}

namespace sweep::cli {

struct Globals {
  std::string store_dir;
  std::string as_officer;  // who unlocks; empty = the only officer
  bool pin_stdin = false;
  bool json = false;     // machine-readable output where offered
  bool english = false;  // screens in English (--lang en, or LANG=en*); Chinese otherwise
};

// Opens the store and unlocks it for the officer (--as, or the only one),
// asking the PIN on the terminal or reading it from stdin (--pin-stdin).
Result<std::unique_ptr<field::Store>> OpenUnlocked(const Globals& g);

struct InitArgs {
  std::string officer_id, name;
  int max_attempts = 10;
  uint64_t kdf_ops = 3;
  uint64_t kdf_mem_mib = 64;
};
Status CmdInit(const Globals& g, const InitArgs& a);

Status CmdOfficerAdd(const Globals& g, const InitArgs& a);
Status CmdOfficerList(const Globals& g);

struct RecordArgs {
  std::string kind;       // "rental-check" | "office-sweep"
  std::string json_file;  // "-" = stdin (after the PIN line with --pin-stdin)
  std::string jsonl_file;
  std::string edit_id;
  uint64_t base_version = 0;
  bool strict = false;
};
Status CmdRecord(const Globals& g, const RecordArgs& a);

Status CmdList(const Globals& g);
Status CmdShow(const Globals& g, const std::string& id, bool history);
Status CmdVerify(const Globals& g);
Status CmdLock(const Globals& g);
Status CmdWipe(const Globals& g, bool yes);
Status CmdInfo(const Globals& g);
Status CmdFind(const Globals& g, const std::string& kind, const std::string& value);

struct SyncArgs {
  std::string hub_url;  // enroll: required; sync: default the enrolled hub
  std::string code;
  std::string label;
  std::string tls_ca;
};
Status CmdEnroll(const Globals& g, const SyncArgs& a);
Status CmdSync(const Globals& g, const SyncArgs& a);

// Stores a photo or document (sealed, in chunks) and prints its SHA-256 for
// the record's attachments; `files` lists them with their upload state.
Status CmdAttach(const Globals& g, const std::string& path, const std::string& media_type);
Status CmdFiles(const Globals& g);

// The tablet's coverage view (commands_coverage.cc): the officer's beats,
// what remains this cycle and the revisits due; one building as a floors ×
// units grid. Visits recorded offline count at once. `address` may be a
// building key as `today` prints it.
Status CmdToday(const Globals& g);
Status CmdBuilding(const Globals& g, const std::string& address);

// The joint inspections pulled to a regulator's tablet
// (commands_inspections.cc): the shared company and premises facts and this
// agency's own finding, per office sweep; --json: one object per line.
Status CmdInspections(const Globals& g);

// The tablet screen (commands_ui.cc, docs/api.md): serves it on
// 127.0.0.1 and prints its address (with the per-launch key) until SIGINT or
// SIGTERM; with `kiosk`, opens it in Chromium's kiosk mode.
struct UiArgs {
  int port = 0;
  double idle_lock_minutes = 5;
  bool kiosk = false;
};
Status CmdUi(const Globals& g, const UiArgs& a);

// Reads values one per line from `file` ("-" or empty = stdin) and prints a
// verdict per line. Fails (InvalidArgument) if any value is invalid.
Status CmdCheck(const std::string& kind, const std::string& file, bool json);

}  // namespace sweep::cli
