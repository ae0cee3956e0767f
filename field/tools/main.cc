// sweep-field: the tablet program's command line. Parses arguments (CLI11),
// runs one command, maps its Status to an exit code.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "terminal.h"

namespace {

constexpr const char* kExitCodes = R"(Exit codes:
  0 ok                        6 unauthorized (wrong PIN, hub refused, wrong hub key)
  1 internal error            7 locked (wait for the PIN delay)
  2 invalid input or usage    8 store crypto-shredded (also: revoked and wiped)
  3 not found                 9 conflict (stale edit, hub holds a different chain)
  4 verification failed      10 hub unreachable (records stay, sync again later)
  5 I/O error
`record` exits 6 when the enrolled role may not record it (a regulator: office sweeps
only; an officer: no dispositions or involvement in a case update), or when an office
sweep's findings, persons or notes cannot be sealed (not enrolled: enroll first;
enrolled by an older hub: re-enroll). Nothing is saved then.
The PIN is asked on the terminal, or read from the first line of standard
input with --pin-stdin. It is never taken from arguments or the environment.)";

constexpr const char* kCoverageHelp =
    R"(Counts this tablet's own visits at once, synced or not, with what the hub
sent at the last sync (your beats' buildings and units, other officers'
visits, revisits, the station's cycle rules; see docs/ledger.md).
Marks: ✓ checked  ∙ not visited  ⚬ no answer  ✗ refused  ☐ vacant
       ↻ revisit due  ‼ den suspected  * visited but not in the register
Screens are in Chinese; --lang en (or LANG=en_US.UTF-8) for English.
Exit codes: 0 ok, 2 the address cannot be read (the reason is shown),
3 the building is in none of your beats and has no visit, 6 wrong PIN,
7 locked, 8 store shredded, 1/4/5 internal, integrity or I/O error.)";

void HardenProcess() {
  // Keys live in memory while a command runs: keep them out of core dumps.
  rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace

int main(int argc, char** argv) {
  HardenProcess();
  using namespace sweep::cli;
  CLI::App app{"sweep-field: record rental checks and office sweeps offline, encrypted.",
               "sweep-field"};
  app.footer(kExitCodes);
  app.require_subcommand(1);
  Globals g;
  app.add_option("--store", g.store_dir, "Folder of the tablet's encrypted store");
  app.add_option("--as", g.as_officer, "Officer who unlocks (needed when several share it)");
  app.add_flag("--pin-stdin", g.pin_stdin, "Read the PIN from the first line of standard input");
  app.add_flag("--json", g.json, "Machine-readable output (JSON lines)");
  std::string lang;
  app.add_option("--lang", lang, "Screen language: zh (default) or en (default from LANG)")
      ->check(CLI::IsMember({"zh", "en"}));

  InitArgs init;
  auto* c_init = app.add_subcommand("init", "Create a store for its first officer");
  c_init->add_option("--officer", init.officer_id, "Officer id (police number)")->required();
  c_init->add_option("--name", init.name, "Officer's name")->required();
  c_init
      ->add_option("--max-attempts", init.max_attempts,
                   "Wrong PINs in a row before the store crypto-shreds itself")
      ->check(CLI::Range(1, 100));
  c_init->add_option("--kdf-ops", init.kdf_ops, "Argon2id passes (default 3)")
      ->check(CLI::Range(1, 20));
  c_init->add_option("--kdf-mem-mib", init.kdf_mem_mib, "Argon2id memory in MiB (default 64)")
      ->check(CLI::Range(8, 4096));

  auto* c_officer = app.add_subcommand("officer", "Officers sharing this tablet");
  c_officer->require_subcommand(1);
  InitArgs add;
  auto* c_add =
      c_officer->add_subcommand("add", "Add an officer (needs an existing officer's PIN)");
  c_add->add_option("--officer", add.officer_id, "New officer's id")->required();
  c_add->add_option("--name", add.name, "New officer's name")->required();
  c_add->add_option("--kdf-ops", add.kdf_ops, "Argon2id passes")->check(CLI::Range(1, 20));
  c_add->add_option("--kdf-mem-mib", add.kdf_mem_mib, "Argon2id MiB")->check(CLI::Range(8, 4096));
  auto* c_olist = c_officer->add_subcommand("list", "List officer ids (no PIN needed)");

  RecordArgs rec;
  auto* c_record = app.add_subcommand("record", "Record a visit from JSON (Protobuf JSON mapping)");
  c_record->require_subcommand(1);
  for (const char* kind : {"rental-check", "office-sweep", "case-update"}) {
    auto* c = c_record->add_subcommand(
        kind, std::string(kind) == "case-update"
                  ? "Record a change to a den or a suspect (docs/cases.md §5)"
                  : std::string("Record a ") + kind);
    c->add_option("--json", rec.json_file, "JSON file, '-' for stdin; *.jsonl = JSON Lines");
    c->add_option("--jsonl", rec.jsonl_file, "JSON Lines file: one record a line, all or nothing");
    c->add_option("--edit", rec.edit_id, "Record id to edit (appends a new version)");
    c->add_option("--base-version", rec.base_version, "Refuse the edit unless this is the latest");
    c->add_flag("--strict", rec.strict, "Refuse to save when an identifier is invalid");
    c->callback([&rec, kind] { rec.kind = kind; });
  }

  auto* c_list = app.add_subcommand("list", "List the latest version of every record");
  std::string show_id;
  bool history = false;
  auto* c_show = app.add_subcommand("show", "Show a record as JSON");
  c_show->add_option("ID", show_id, "Record id")->required();
  c_show->add_flag("--history", history, "Every version, oldest first");
  auto* c_verify = app.add_subcommand("verify", "Check every version, hash link and signature");
  auto* c_lock = app.add_subcommand("lock", "Lock every open session of this store");
  bool yes = false;
  auto* c_wipe = app.add_subcommand("wipe", "Crypto-shred the store (destroys unsynced records)");
  c_wipe->add_flag("--yes", yes, "Confirm");
  auto* c_info = app.add_subcommand("info", "Device id, key id, counts (no PIN needed)");
  std::string find_kind, find_value;
  auto* c_find = app.add_subcommand("find", "Records carrying an identifier (keyed-hash lookup)");
  c_find->add_option("--kind", find_kind, "id | phone | uscc | card")->required();
  c_find->add_option("VALUE", find_value, "The identifier")->required();
  SyncArgs sync_args;
  auto* c_enroll = app.add_subcommand("enroll", "Enroll this tablet with the station's hub");
  c_enroll->add_option("--hub", sync_args.hub_url, "Hub address, e.g. https://hub.station:8443")
      ->required();
  c_enroll->add_option("--code", sync_args.code, "One-time code from `sweep-hub enroll-code`")
      ->required();
  c_enroll->add_option("--label", sync_args.label, "Tablet label, e.g. its asset tag");
  c_enroll->add_option("--tls-ca", sync_args.tls_ca, "PEM file of the CA to trust for https");
  auto* c_sync = app.add_subcommand("sync", "Send new records to the hub and receive updates");
  c_sync->add_option("--hub", sync_args.hub_url, "Hub address (default: the enrolled one)");
  c_sync->add_option("--tls-ca", sync_args.tls_ca, "PEM file of the CA to trust for https");
  std::string attach_path, attach_type;
  auto* c_attach = app.add_subcommand("attach", "Store a photo or document, sealed, for a record");
  c_attach->add_option("FILE", attach_path, "The file")->required();
  c_attach->add_option("--type", attach_type, "Media type (default: from the file name)");
  auto* c_files = app.add_subcommand("files", "List stored attachments and whether they synced");
  std::string address;
  auto* c_today = app.add_subcommand(
      "today", "Your beats: units covered and remaining this cycle, revisits due (offline)");
  auto* c_building = app.add_subcommand(
      "building", "One building as a floors x units grid with each unit's state and coverage %");
  c_building
      ->add_option("ADDRESS", address,
                   "The building's address (e.g. 国庆北路18号3栋, a room's address, or a building "
                   "key as `today` prints it)")
      ->required();
  for (auto* c : {c_today, c_building}) {
    c->add_flag("--json", g.json, "One JSON object instead of the screen");
    c->add_option("--lang", lang, "Screen language: zh (default) or en")
        ->check(CLI::IsMember({"zh", "en"}));
    c->footer(kCoverageHelp);
  }
  auto* c_inspections = app.add_subcommand(
      "inspections",
      "A regulator's tablet: the joint inspections (office sweeps) pulled from the station");
  c_inspections->add_flag("--json", g.json, "One JSON object per inspection (JSON lines)");
  c_inspections->add_option("--lang", lang, "Screen language: zh (default) or en")
      ->check(CLI::IsMember({"zh", "en"}));
  c_inspections->footer(
      "Lists the office sweeps other agencies recorded with this tablet's agency, as the hub\n"
      "sent them at the last sync: the company, its credit code, licence and premises, and\n"
      "this agency's own finding. Other agencies' sections stay sealed and are only named\n"
      "(\"已封存（公安）\" / \"sealed (police)\"); police tablets receive none.\n"
      "Exit codes: 0 ok (also when there are none), 3 not enrolled, 6 wrong PIN, 7 locked,\n"
      "8 store shredded, 4 a stored inspection does not open (sync again).");
  std::string check_kind, check_file;
  auto* c_check = app.add_subcommand("check", "Check identifiers, one per line (no store needed)");
  c_check->add_option("--kind", check_kind, "id | uscc | phone | bankcard")
      ->required()
      ->check(CLI::IsMember({"id", "uscc", "phone", "bankcard"}));
  c_check->add_option("FILE", check_file, "File of values (default: standard input)");

  UiArgs ui;
  auto* c_ui = app.add_subcommand(
      "ui", "The tablet screen: a local web app on 127.0.0.1 (prints its address)");
  c_ui->add_option("--port", ui.port, "Port (default: any free port)")->check(CLI::Range(0, 65535));
  c_ui->add_option("--idle-lock-minutes", ui.idle_lock_minutes,
                   "Lock after this long without a touch (default 5)")
      ->check(CLI::Range(0.05, 240.0));
  c_ui->add_flag("--kiosk", ui.kiosk, "Open it full screen in Chromium (kiosk mode)");
  c_ui->footer(
      "Serves on 127.0.0.1 only; only the page opened from the printed address (it carries\n"
      "a secret made for this launch) may use it. Runs until Ctrl-C or SIGTERM, then locks.\n"
      "Exit codes: 0 stopped, 2 bad option, 5 the port cannot be bound, 8 store shredded.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  g.english = WantEnglish(lang);
  sweep::Status st;
  if (c_check->parsed()) {
    st = CmdCheck(check_kind, check_file, g.json);
  } else if (g.store_dir.empty()) {
    st = sweep::Status::InvalidArgument("--store DIR is required (the tablet's store folder)");
  } else if (c_init->parsed()) {
    st = CmdInit(g, init);
  } else if (c_add->parsed()) {
    st = CmdOfficerAdd(g, add);
  } else if (c_olist->parsed()) {
    st = CmdOfficerList(g);
  } else if (c_record->parsed()) {
    st = CmdRecord(g, rec);
  } else if (c_list->parsed()) {
    st = CmdList(g);
  } else if (c_show->parsed()) {
    st = CmdShow(g, show_id, history);
  } else if (c_verify->parsed()) {
    st = CmdVerify(g);
  } else if (c_lock->parsed()) {
    st = CmdLock(g);
  } else if (c_wipe->parsed()) {
    st = CmdWipe(g, yes);
  } else if (c_info->parsed()) {
    st = CmdInfo(g);
  } else if (c_enroll->parsed()) {
    st = CmdEnroll(g, sync_args);
  } else if (c_sync->parsed()) {
    st = CmdSync(g, sync_args);
  } else if (c_attach->parsed()) {
    st = CmdAttach(g, attach_path, attach_type);
  } else if (c_files->parsed()) {
    st = CmdFiles(g);
  } else if (c_today->parsed()) {
    st = CmdToday(g);
  } else if (c_building->parsed()) {
    st = CmdBuilding(g, address);
  } else if (c_find->parsed()) {
    st = CmdFind(g, find_kind, find_value);
  } else if (c_inspections->parsed()) {
    st = CmdInspections(g);
  } else if (c_ui->parsed()) {
    st = CmdUi(g, ui);
  }
  if (!st.ok()) {
    std::cerr << "sweep-field: " << st.ToString() << "\n";
  }
  return sweep::ExitCodeFor(st);
}
