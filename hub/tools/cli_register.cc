#include "cli_register.h"

namespace sweep::hubcli {

RegisterCli::RegisterCli(CLI::App* app) {
  AddBuildings(app);
  AddBeats(app);
  AddLedger(app);
}

void RegisterCli::AddBuildings(CLI::App* app) {
  auto* b = app->add_subcommand("buildings", "The building register (units, rental residents)");
  b->require_subcommand(1);
  import_ = b->add_subcommand(
      "import", "Import or update buildings from CSV or JSON Lines: all rows or none");
  import_->add_option("FILE", path_, "Register file (.csv or .jsonl; see docs/coverage.md)")
      ->required();
  import_->add_option("--format", format_, "csv | jsonl (default: from the file name)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  import_->add_option("--default-division", division_,
                      "Division code for addresses that name no district (default: the hub's)");
  import_->footer(
      "CSV header: address,floors,units_per_floor,stairwells,units,type (units: \"1-101;1-102\").\n"
      "Bad rows are listed as FILE:LINE: reason; then nothing is imported (exit code 2).");
  list_ = b->add_subcommand("list", "List buildings");
  list_->add_option("--community", community_, "Only this community (name or 12-digit code)");
  show_ = b->add_subcommand("show", "One building: its units and their state this cycle");
  show_->add_option("ADDRESS", address_, "The building's address")->required();
  for (auto* c : {import_, list_, show_}) c->add_flag("--json", json_, "Machine-readable output");
}

void RegisterCli::AddBeats(CLI::App* app) {
  auto* b = app->add_subcommand("beats", "Beats (责任区): communities, streets and buildings");
  b->require_subcommand(1);
  create_ = b->add_subcommand("create", "Create a beat");
  add_ = b->add_subcommand("add", "Add communities, streets or buildings to a beat");
  remove_ = b->add_subcommand("remove", "Take communities, streets or buildings out of a beat");
  for (auto* c : {create_, add_, remove_}) {
    c->add_option("NAME", name_, "Beat name")->required();
    c->add_option("--community", members_.communities,
                  "Community name (in the default division) or 12-digit code; repeatable");
    c->add_option("--street", members_.streets, "Street name or 9-digit code; repeatable");
    c->add_option("--building", members_.buildings, "Building address; repeatable");
  }
  delete_ = b->add_subcommand("delete", "Delete a beat (its officers receive removals)");
  delete_->add_option("NAME", name_, "Beat name")->required();
  beats_list_ = b->add_subcommand("list", "List beats");
  beats_show_ = b->add_subcommand("show", "A beat and its buildings");
  beats_show_->add_option("NAME", name_, "Beat name")->required();
  for (auto* c : {create_, add_, remove_, beats_list_, beats_show_}) {
    c->add_flag("--json", json_, "Machine-readable output");
  }
  assign_ = app->add_subcommand("assign", "Assign a beat to an officer (sent at their next sync)");
  unassign_ = app->add_subcommand("unassign", "Take a beat from an officer");
  for (auto* c : {assign_, unassign_}) {
    c->add_option("--beat", beat_, "Beat name")->required();
    c->add_option("--officer", officer_, "Officer id")->required();
  }
}

void RegisterCli::AddLedger(CLI::App* app) {
  auto* l = app->add_subcommand("ledger", "The coverage ledger's rules");
  l->require_subcommand(1);
  config_ = l->add_subcommand("config", "Show or set (and publish) the coverage cycle rules");
  config_->add_option("--cycle", ledger_.cycle, "monthly | days")
      ->check(CLI::IsMember({"monthly", "days"}));
  config_->add_option("--cycle-days", ledger_.cycle_days, "Days per cycle (--cycle days)")
      ->check(CLI::Range(1, 366));
  config_->add_option("--anchor", ledger_.anchor, "YYYY-MM-DD: a day a cycle starts (days)");
  config_
      ->add_option("--revisit-days", ledger_.revisit_days,
                   "Days to revisit a no-answer or refusal (default 3)")
      ->check(CLI::Range(1, 90));
  division_opt_ = config_->add_option("--default-division", ledger_.default_division,
                                      "Division code used when an address names none, e.g. "
                                      "431002 (\"\" clears it)");
  coverage_ = app->add_subcommand("coverage", "Coverage report per beat, community and officer");
  coverage_->add_option("--beat", beat_, "Only this beat");
  coverage_->add_option("--format", format_, "table (default) | csv | html")
      ->check(CLI::IsMember({"table", "csv", "html"}));
  coverage_->add_option("--at", at_, "YYYY-MM-DD: as at the end of that day (default: now)");
  coverage_->add_option("--output", output_, "Write to this file instead of standard output");
}

bool RegisterCli::Run(const Ctx& c, Status* st) {
  if (import_->parsed())
    *st = CmdBuildingsImport(c, path_, format_, division_);
  else if (list_->parsed())
    *st = CmdBuildingsList(c, community_);
  else if (show_->parsed())
    *st = CmdBuildingsShow(c, address_);
  else if (create_->parsed())
    *st = CmdBeatsEdit(c, BeatEdit::kCreate, name_, members_);
  else if (add_->parsed())
    *st = CmdBeatsEdit(c, BeatEdit::kAdd, name_, members_);
  else if (remove_->parsed())
    *st = CmdBeatsEdit(c, BeatEdit::kRemove, name_, members_);
  else if (delete_->parsed())
    *st = CmdBeatsDelete(c, name_);
  else if (beats_list_->parsed())
    *st = CmdBeatsList(c);
  else if (beats_show_->parsed())
    *st = CmdBeatsShow(c, name_);
  else if (assign_->parsed())
    *st = CmdAssign(c, beat_, officer_, true);
  else if (unassign_->parsed())
    *st = CmdAssign(c, beat_, officer_, false);
  else if (config_->parsed()) {
    ledger_.default_division_given = division_opt_->count() > 0;
    *st = CmdLedgerConfig(c, ledger_);
  } else if (coverage_->parsed())
    *st = CmdCoverage(c, beat_, format_, at_, output_);
  else
    return false;
  return true;
}

}  // namespace sweep::hubcli
