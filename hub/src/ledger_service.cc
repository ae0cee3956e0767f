// LedgerService: ingested versions → visits → unit states → feed items, one
// atomic step at a time (docs/coverage.md "The ledger at the hub").
#include "sweep/hub/ledger_service.h"

#include <chrono>
#include <iostream>
#include <map>
#include <set>

#include "feed_publisher.h"
#include "register_rules.h"
#include "sweep/hub/agency_keys.h"
#include "sweep/sync/sections.h"
#include "sweep/v1/sync.pb.h"
#include "sweep/v1/record.pb.h"

namespace sweep::hub {

namespace ledger = schema::ledger;
using internal::ToBytes;
using ledger::Visit;
using UnitId = std::pair<std::string, std::string>;  // building key, unit key

namespace {
constexpr int kMaxAttempts = 20;
}  // namespace

CatchUpStats& CatchUpStats::operator+=(const CatchUpStats& o) {
  versions += o.versions;
  visits += o.visits;
  unreadable += o.unreadable;
  units += o.units;
  feed_items += o.feed_items;
  retries += o.retries;
  return *this;
}

// What one step computes before it is applied.
struct LedgerService::Step {
  LedgerBatch batch;
  CatchUpStats stats;
  internal::HubSettings settings;
  int64_t now_ms = 0;
  std::map<std::string, Visit> fresh;         // record id -> newest version in this step
  std::map<std::string, std::string> device;  // record id -> device that pushed it
  std::map<std::string, BuildingRow> buildings;
  std::map<UnitId, std::vector<Visit>> units;  // affected units and all their visits
  std::map<std::string, v1::Record> sweeps;    // record id -> newest office sweep (opened)
};

LedgerService::LedgerService(HubStore* store, Env* env, LedgerServiceOptions options)
    : store_(store), env_(env), options_(options) {}

LedgerService::~LedgerService() { Stop(); }

namespace {

// The newest version per record among `versions` that are records with a body.
void ParseVersions(const std::vector<StoredVersion>& versions,
                   const schema::AddressContext& context, std::map<std::string, Visit>* fresh,
                   std::map<std::string, std::string>* device,
                   std::map<std::string, v1::Record>* sweeps, uint64_t* unreadable) {
  v1::Record record;
  for (const StoredVersion& v : versions) {
    record.Clear();
    std::optional<Visit> visit;
    if (record.ParseFromArray(v.Readable().data(), static_cast<int>(v.Readable().size()))) {
      visit = ledger::VisitOf(record, context);
    }
    if (!visit) {
      ++*unreadable;
      continue;
    }
    auto it = fresh->find(visit->record_id);
    if (it != fresh->end() && it->second.version >= visit->version) continue;
    (*device)[visit->record_id] = v.device_id;
    if (record.has_office_sweep()) (*sweeps)[visit->record_id].Swap(&record);
    (*fresh)[visit->record_id] = std::move(*visit);
  }
}

v1::UnitProgress ProgressOf(const UnitId& unit, const ledger::UnitLedger& l,
                            const ledger::Cycle& cycle) {
  v1::UnitProgress p;
  p.set_building_key(unit.first);
  p.set_unit_key(unit.second);
  p.set_state(std::string(ledger::StateName(l.state)));
  p.set_last_visit_ms(l.last_visit_ms);
  p.set_officer_id(l.last_officer_id);
  p.set_cycle(cycle.label);
  p.set_covered_ms(l.covered_ms);
  return p;
}

// Empty when no revisit is pending.
Bytes RevisitOf(const UnitId& unit, const ledger::UnitLedger& l, const std::vector<Visit>& visits,
                const ledger::CycleConfig& config) {
  if (l.revisit_due_ms == 0) return {};
  v1::Revisit r;
  r.set_unit_key(unit.second);
  const Visit* latest = &visits.front();
  for (const Visit& v : visits) {
    if (v.at_ms > latest->at_ms) latest = &v;
  }
  *r.mutable_address() = latest->address;
  r.set_due_date(ledger::LocalDate(config, l.revisit_due_ms - 1));
  r.set_reason(l.revisit_reason);
  r.set_building_key(unit.first);
  r.set_from_ms(l.revisit_from_ms);
  r.set_due_ms(l.revisit_due_ms);
  r.set_window(l.revisit_window);
  r.set_attempts(static_cast<uint32_t>(l.failed_attempts));
  r.set_last_attempt_ms(l.last_visit_ms);
  return ToBytes(r.SerializeAsString());
}

std::vector<ledger::PersonSeen> RegisteredOf(const std::map<std::string, BuildingRow>& buildings,
                                             const UnitId& unit) {
  auto b = buildings.find(unit.first);
  if (b == buildings.end()) return {};
  for (const UnitRow& u : b->second.units) {
    if (u.unit_key == unit.second) return internal::RegisteredPersons(u.residents);
  }
  return {};
}

}  // namespace

Status LedgerService::PrepareStep(Step* s) {
  SWEEP_ASSIGN_OR_RETURN(s->batch.expected_cursor, store_->LedgerCursor());
  SWEEP_ASSIGN_OR_RETURN(s->batch.expected_revision, store_->PublicationRevision());
  uint64_t last = 0;
  SWEEP_ASSIGN_OR_RETURN(auto versions, store_->ReadIngested(s->batch.expected_cursor,
                                                             options_.batch_versions, &last));
  s->batch.new_cursor = last;
  s->stats.versions = versions.size();
  if (versions.empty()) return Status::Ok();
  SWEEP_ASSIGN_OR_RETURN(s->settings, internal::LoadSettings(store_));
  s->now_ms = env_->NowMillis();
  ParseVersions(versions, {s->settings.default_division}, &s->fresh, &s->device, &s->sweeps,
                &s->stats.unreadable);
  std::vector<std::string> ids;
  for (const auto& [id, v] : s->fresh) ids.push_back(id);
  SWEEP_ASSIGN_OR_RETURN(auto previous, store_->VisitsByRecord(ids));
  BuildingQuery q;
  q.keys.reserve(s->fresh.size() + previous.size());
  for (const auto& [id, v] : s->fresh) q.keys.push_back(v.building_key);
  for (const Visit& v : previous) q.keys.push_back(v.building_key);
  std::sort(q.keys.begin(), q.keys.end());
  q.keys.erase(std::unique(q.keys.begin(), q.keys.end()), q.keys.end());
  if (!q.keys.empty() && q.keys.front().empty()) q.keys.erase(q.keys.begin());
  SWEEP_ASSIGN_OR_RETURN(auto buildings, store_->ListBuildings(q));
  for (BuildingRow& b : buildings) s->buildings[b.key] = std::move(b);
  for (auto& [id, v] : s->fresh) {
    auto b = s->buildings.find(v.building_key);
    if (b == s->buildings.end()) continue;
    std::string resolved = internal::ResolveUnitKey(b->second, v.unit_key);
    if (!resolved.empty()) v.unit_key = resolved;
  }
  // An older version arriving after a newer one changes nothing; a newer one
  // may move the record to another unit, which must then be recomputed too.
  for (const Visit& old : previous) {
    auto it = s->fresh.find(old.record_id);
    if (it == s->fresh.end()) continue;
    if (it->second.version <= old.version) {
      s->fresh.erase(it);
      continue;
    }
    if (!old.building_key.empty() && !old.unit_key.empty()) {
      s->units[{old.building_key, old.unit_key}];
    }
  }
  return Status::Ok();
}

namespace {

// Gathers every visit of the affected units: stored ones (minus the records
// this step replaces) and this step's.
Status GatherVisits(HubStore* store, const std::map<std::string, Visit>& fresh,
                    std::map<UnitId, std::vector<Visit>>* units) {
  for (const auto& [id, v] : fresh) {
    if (!v.building_key.empty() && !v.unit_key.empty()) (*units)[{v.building_key, v.unit_key}];
  }
  std::vector<UnitPosition> positions;
  for (const auto& [unit, visits] : *units) positions.push_back({unit.first, unit.second, ""});
  SWEEP_ASSIGN_OR_RETURN(auto stored, store->VisitsOfUnits(positions));
  for (Visit& v : stored) {
    if (fresh.count(v.record_id)) continue;
    (*units)[{v.building_key, v.unit_key}].push_back(std::move(v));
  }
  for (const auto& [id, v] : fresh) {
    if (!v.building_key.empty() && !v.unit_key.empty()) {
      (*units)[{v.building_key, v.unit_key}].push_back(v);
    }
  }
  return Status::Ok();
}

}  // namespace

// Each joint inspection goes to the tablets of every other agency that took
// part, as its shared view: company and premises facts, and that agency's
// own section sealed to its key (sync/sections.h). A newer version that no
// longer names an agency takes the inspection back from it (tombstone).
namespace {
Status DesireInspections(HubStore* store, std::unique_ptr<AgencyKeys>* agency_keys,
                         const std::map<std::string, v1::Record>& sweeps,
                         const std::map<std::string, Visit>& fresh, internal::DesiredFeed* desired,
                         std::vector<FeedStateRow>* current) {
  FeedStateQuery q{{"inspection"}, {}, {}};
  for (const auto& [id, record] : sweeps) {
    if (fresh.count(id)) q.keys.push_back(id);
  }
  if (q.keys.empty()) return Status::Ok();
  if (!*agency_keys) {
    SWEEP_ASSIGN_OR_RETURN(AgencyKeys keys, AgencyKeys::Load(store));
    *agency_keys = std::make_unique<AgencyKeys>(std::move(keys));
  }
  for (const std::string& id : q.keys) {
    const v1::Record& record = sweeps.at(id);
    const v1::OfficeSweep& sweep = record.office_sweep();
    std::set<std::string> agencies;
    for (const auto& p : sweep.participants()) agencies.insert(p.agency());
    for (const auto& f : sweep.findings()) agencies.insert(f.agency());
    for (const std::string& agency : agencies) {
      const crypto::BoxKeyPair* key = (*agency_keys)->Of(agency);
      if (agency == "police" || key == nullptr) continue;
      v1::Inspection item;
      item.set_record_id(id);
      item.set_version(record.version());
      item.set_officer_id(record.officer_id());
      *item.mutable_sweep() =
          sync::sections::SharedView(sweep, record, agency, key->public_key);
      (*desired)[{"agency:" + agency, "inspection", id}] = ToBytes(item.SerializeAsString());
    }
  }
  SWEEP_ASSIGN_OR_RETURN(auto held, store->ReadFeedState(q));
  for (FeedStateRow& row : held) current->push_back(std::move(row));
  return Status::Ok();
}
}  // namespace

Result<CatchUpStats> LedgerService::RunStep() {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Step s;
    s.stats.retries = static_cast<uint64_t>(attempt);
    SWEEP_RETURN_IF_ERROR(PrepareStep(&s));
    if (s.stats.versions == 0) return s.stats;
    SWEEP_RETURN_IF_ERROR(GatherVisits(store_, s.fresh, &s.units));
    ledger::Cycle cycle = ledger::CycleAt(s.settings.config, s.now_ms);
    internal::DesiredFeed desired;
    std::vector<BuildingRow> held;
    for (const auto& [key, b] : s.buildings) held.push_back(b);
    SWEEP_ASSIGN_OR_RETURN(auto beats, store_->ListBeats());
    auto officers = internal::OfficersOfBuildings(beats, held);
    FeedStateQuery current_q{{"unit", "revisit"}, {}, {}};
    for (const auto& [unit, visits] : s.units) {
      auto registered = RegisteredOf(s.buildings, unit);
      ledger::UnitLedger l = ledger::ComputeUnit(visits, registered, s.settings.config, s.now_ms);
      LedgerUnitRow row{unit.first, unit.second, std::string(ledger::StateName(l.state)),
                        ToBytes(ProgressOf(unit, l, cycle).SerializeAsString()),
                        visits.empty() ? Bytes{} : RevisitOf(unit, l, visits, s.settings.config)};
      std::string key = internal::UnitFeedKey(unit.first, unit.second);
      current_q.keys.push_back(key);
      for (const std::string& officer : officers[unit.first]) {
        std::string audience = internal::OfficerAudience(officer);
        desired[{audience, "unit", key}] = row.progress;
        if (!row.revisit.empty()) desired[{audience, "revisit", key}] = row.revisit;
      }
      s.batch.units.push_back(std::move(row));
    }
    SWEEP_ASSIGN_OR_RETURN(auto current, store_->ReadFeedState(current_q));
    SWEEP_RETURN_IF_ERROR(
        DesireInspections(store_, &agency_keys_, s.sweeps, s.fresh, &desired, &current));
    s.batch.feed = internal::DiffFeed(current, desired);
    for (auto& [id, v] : s.fresh) {
      s.batch.visit_devices.push_back(s.device[id]);
      s.batch.visits.push_back(std::move(v));
    }
    s.stats.visits = s.batch.visits.size();
    s.stats.units = s.batch.units.size();
    s.stats.feed_items = s.batch.feed.size();
    Status st = store_->ApplyLedger(s.batch);
    if (st.ok()) return s.stats;
    if (st.code() != Code::kConflict) return st;
  }
  return Status::Unavailable(
      "the ledger could not catch up: the register or the ledger kept "
      "changing under it; try again");
}

Result<CatchUpStats> LedgerService::CatchUp() {
  std::lock_guard lock(catch_up_mu_);
  CatchUpStats total;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(CatchUpStats step, RunStep());
    if (step.versions == 0) return total;
    total += step;
  }
}

// ------------------------------------------------------------------ background

void LedgerService::Start() {
  published_ = false;  // each start publishes first (no thread runs a pass now)
  loop_.Start(/*pass_now=*/true);
}
void LedgerService::Notify() { loop_.Wake(); }
void LedgerService::Stop() { loop_.Stop(); }

bool LedgerService::Pass() {
  if (!published_) {
    published_ = true;
    auto published = internal::FeedPublisher(store_).PublishAll();
    if (!published.ok() && options_.log) {
      std::cerr << "{\"event\":\"publish_failed\",\"error\":\""
                << CodeName(published.status().code()) << "\"}\n";
    }
  }
  int64_t start = env_->MonotonicMicros();
  auto r = CatchUp();
  std::string line;
  if (!r.ok()) {
    line = "{\"event\":\"ledger_failed\",\"error\":\"" +
           std::string(CodeName(r.status().code())) + "\"}\n";
  } else if (r->versions > 0) {
    line = "{\"event\":\"ledger\",\"versions\":" + std::to_string(r->versions) +
           ",\"visits\":" + std::to_string(r->visits) + ",\"units\":" + std::to_string(r->units) +
           ",\"feed\":" + std::to_string(r->feed_items) +
           ",\"retries\":" + std::to_string(r->retries) +
           ",\"us\":" + std::to_string(env_->MonotonicMicros() - start) + "}\n";
  }
  if (options_.log && !line.empty()) std::cerr << line << std::flush;
  if (r.ok() && options_.after_catch_up) options_.after_catch_up();
  return r.ok();
}

}  // namespace sweep::hub
