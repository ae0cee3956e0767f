// RegisterService: building import, beats, assignments and the ledger
// configuration. Each change is one store step, then FeedPublisher brings
// the feed in line (docs/coverage.md "Feed").
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "feed_publisher.h"
#include "register_import.h"
#include "register_rules.h"
#include "sweep/hub/register.h"
#include "sweep/schema/address.h"

namespace sweep::hub {

using internal::FeedPublisher;

Result<std::string> ParseBuildingType(std::string_view text) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {"", "residential"},     {"residential", "residential"},
      {"住宅", "residential"}, {"office", "office"},
      {"写字楼", "office"},    {"办公", "office"},
      {"mixed", "mixed"},      {"商住", "mixed"},
      {"混合", "mixed"}};
  for (const auto& [name, type] : kTypes) {
    if (text == name) return std::string(type);
  }
  return Status::InvalidArgument("type '" + std::string(text) +
                                 "' is unknown: use residential, office or mixed / 类型“" +
                                 std::string(text) + "”未知：请用 residential、office 或 mixed");
}

Result<int64_t> ParseLocalDate(const std::string& text, int utc_offset_minutes,
                               const std::string& what) {
  return internal::ParseLocalDate(text, utc_offset_minutes, what);
}

// ------------------------------------------------------------------ import

namespace {

size_t CountAdded(const std::vector<UnitRow>& from, const std::vector<UnitRow>& to) {
  std::set<std::string> have;
  for (const UnitRow& u : from) have.insert(u.unit_key);
  return std::count_if(to.begin(), to.end(),
                       [&](const UnitRow& u) { return !have.count(u.unit_key); });
}

Status CheckDivision(const std::string& code, const std::string& what) {
  if (code.empty()) return Status::Ok();
  auto d = schema::DivisionByCode(code);
  if (!d || (d->level != "district" && d->level != "street" && d->level != "community")) {
    return Status::InvalidArgument(what + " '" + code +
                                   "' is not the code of a district, street or community "
                                   "(e.g. 431002 for 郴州市北湖区)");
  }
  return Status::Ok();
}

bool IsDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<std::string> RegisterService::DefaultDivision() {
  SWEEP_ASSIGN_OR_RETURN(auto settings, internal::LoadSettings(store_));
  return settings.default_division;
}

Status RegisterService::ImportFile(const std::string& path, RegisterFormat format,
                                   const std::string& default_division,
                                   const ImportProgress& progress, ImportReport* report) {
  *report = {};
  if (format == RegisterFormat::kAuto) {
    auto ends = [&](const char* ext) {
      std::string e(ext);
      return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
    };
    if (ends(".csv") || ends(".CSV")) format = RegisterFormat::kCsv;
    if (ends(".jsonl") || ends(".ndjson") || ends(".JSONL")) format = RegisterFormat::kJsonl;
    if (format == RegisterFormat::kAuto) {
      return Status::InvalidArgument(path +
                                     ": cannot tell the format from the name: name it .csv or "
                                     ".jsonl, or give --format csv|jsonl");
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open register file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read register file " + path);
  return ImportBuildings(text.str(), format, path, default_division, progress, report);
}

Status RegisterService::ImportBuildings(std::string_view text, RegisterFormat format,
                                        const std::string& source,
                                        const std::string& default_division,
                                        const ImportProgress& progress, ImportReport* report) {
  *report = {};
  if (format == RegisterFormat::kAuto) {
    return Status::InvalidArgument(source + ": give the format (csv or jsonl)");
  }
  std::string division = default_division;
  if (division.empty()) {
    SWEEP_ASSIGN_OR_RETURN(division, DefaultDivision());
  }
  SWEEP_RETURN_IF_ERROR(CheckDivision(division, "--default-division"));
  internal::ParsedRegister parsed =
      internal::ParseRegister(text, format, schema::AddressContext{division}, progress);
  report->rows = parsed.rows;
  if (!parsed.problems.empty()) {
    report->problems = std::move(parsed.problems);
    std::set<size_t> lines;
    for (const ImportProblem& p : report->problems) lines.insert(p.line);
    return Status::InvalidArgument(source + ": " + std::to_string(lines.size()) + " of " +
                                   std::to_string(parsed.rows) +
                                   " rows are bad (listed above); nothing was imported. Fix "
                                   "them and import the file again");
  }
  std::vector<BuildingRow> rows;
  rows.reserve(parsed.buildings.size());
  for (internal::ParsedBuilding& p : parsed.buildings) {
    report->changes.push_back({BuildingChange::Kind::kAdded, p.line, p.building.key,
                               p.building.address.raw(), p.building.units.size(), 0, 0});
    rows.push_back(std::move(p.building));
  }
  return WriteImport(std::move(rows), report);
}

Status RegisterService::WriteImport(std::vector<BuildingRow> rows, ImportReport* report) {
  BuildingQuery q;
  for (const BuildingRow& b : rows) q.keys.push_back(b.key);
  SWEEP_ASSIGN_OR_RETURN(auto existing, store_->ListBuildings(q));
  std::map<std::string, const BuildingRow*> have;
  for (const BuildingRow& b : existing) have[b.key] = &b;
  std::vector<BuildingRow> changed;
  for (size_t i = 0; i < rows.size(); ++i) {
    BuildingChange& c = report->changes[i];
    report->units_total += rows[i].units.size();
    auto it = have.find(rows[i].key);
    if (it == have.end()) {
      c.units_added = rows[i].units.size();
    } else if (internal::SameBuilding(*it->second, rows[i])) {
      c.kind = BuildingChange::Kind::kUnchanged;
      continue;
    } else {
      c.kind = BuildingChange::Kind::kUpdated;
      c.units_added = CountAdded(it->second->units, rows[i].units);
      c.units_removed = CountAdded(rows[i].units, it->second->units);
    }
    changed.push_back(std::move(rows[i]));
  }
  for (const BuildingChange& c : report->changes) {
    if (c.kind == BuildingChange::Kind::kAdded) ++report->added;
    if (c.kind == BuildingChange::Kind::kUpdated) ++report->updated;
    if (c.kind == BuildingChange::Kind::kUnchanged) ++report->unchanged;
    report->units_added += c.units_added;
    report->units_removed += c.units_removed;
  }
  if (changed.empty()) return Status::Ok();
  SWEEP_RETURN_IF_ERROR(store_->UpsertBuildings(changed, env_->NowMillis()));
  SWEEP_ASSIGN_OR_RETURN(report->feed_items, Publish());
  return Status::Ok();
}

// ------------------------------------------------------------------ buildings

Result<std::vector<BuildingRow>> RegisterService::Buildings(const std::string& community) {
  BuildingQuery q;
  if (community.empty()) {
    q.all = true;
  } else if (IsDigits(community)) {
    q.division_prefixes = {community};
  } else {
    SWEEP_ASSIGN_OR_RETURN(std::string within, DefaultDivision());
    SWEEP_ASSIGN_OR_RETURN(auto d, schema::FindDivision(community, within));
    q.division_prefixes = {d.code};
  }
  return store_->ListBuildings(q);
}

Result<BuildingRow> RegisterService::Building(const std::string& address) {
  SWEEP_ASSIGN_OR_RETURN(std::string division, DefaultDivision());
  v1::Address a = schema::NormalizeAddress(address, {division});
  std::string key = schema::BuildingKeyOf(a);
  if (key.empty()) {
    return Status::InvalidArgument("address '" + address +
                                   "' cannot be resolved: " + a.unresolved_reason());
  }
  BuildingQuery q;
  q.keys = {key};
  SWEEP_ASSIGN_OR_RETURN(auto found, store_->ListBuildings(q));
  if (found.empty()) {
    return Status::NotFound("no building '" + address + "' (key " + key +
                            ") in the register: import it with `buildings import`");
  }
  return std::move(found[0]);
}

Result<size_t> RegisterService::Publish() {
  SWEEP_ASSIGN_OR_RETURN(auto stats, FeedPublisher(store_).PublishAll());
  return stats.items + stats.tombstones;
}

// ------------------------------------------------------------------ ledger config

Result<v1::LedgerConfig> RegisterService::LedgerConfig() {
  SWEEP_ASSIGN_OR_RETURN(auto settings, internal::LoadSettings(store_));
  return settings.proto;
}

Status RegisterService::SetLedgerConfig(const v1::LedgerConfig& config) {
  SWEEP_RETURN_IF_ERROR(CheckDivision(config.default_division(), "--default-division"));
  SWEEP_RETURN_IF_ERROR(internal::SaveLedgerConfig(store_, config));
  return FeedPublisher(store_).PublishConfig().status();
}

}  // namespace sweep::hub
