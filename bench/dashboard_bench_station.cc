// dashboard_bench: building the simulated station's hub store
// (dashboard_bench_station.h).
#include "dashboard_bench_station.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "sweep/hub/dashboard_users.h"
#include "sweep/hub/hub_store.h"
#include "sweep/hub/ledger_service.h"
#include "sweep/hub/merge_service.h"
#include "sweep/hub/register.h"
#include "sweep/hub/simulate.h"
#include "sweep/sync/protocol.h"

namespace sweep::bench {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kUtc8Ms = 8 * 3'600'000;
constexpr size_t kVisitsPerOfficerDay = 40;

// A station of about `o.visits` visits in `o.days` days, the last one today:
// as many officers as that takes at 40 visits a day, about two visits per
// unit in the period, communities of about 2,000 units.
hub::sim::Options SimOptions(const ScreenOptions& o, int64_t now_ms) {
  hub::sim::Options s;
  s.seed = o.seed;
  s.days = o.days;
  s.visits_per_officer_day = kVisitsPerOfficerDay;
  const double per_officer = static_cast<double>(o.days * kVisitsPerOfficerDay);
  s.officers =
      std::max(1, static_cast<int>(std::ceil(static_cast<double>(o.visits) / per_officer)));
  const double units = static_cast<double>(o.visits) / 2.0;
  s.communities = std::clamp(static_cast<int>(std::ceil(units / 2000.0)), 4, 60);
  s.buildings_per_community =
      std::max(1, static_cast<int>(std::ceil(units / (s.communities * 75.0))));
  const int64_t today = (now_ms + kUtc8Ms) / kDayMs * kDayMs - kUtc8Ms;  // 00:00 UTC+8
  s.start_ms = today - static_cast<int64_t>(o.days - 1) * kDayMs;
  return s;
}

// The officers' tablets: each visit becomes the next version of its
// officer's device chain, as a sync push stores it.
class Tablets {
 public:
  explicit Tablets(hub::HubService* service) : service_(service) {}

  Status Push(const std::vector<v1::Record>& records) {
    std::map<std::string, std::vector<hub::StoredVersion>> per_device;
    for (const v1::Record& rec : records) {
      SWEEP_ASSIGN_OR_RETURN(std::string device, DeviceOf(rec.officer_id()));
      auto& versions = per_device[device];
      v1::Record r = rec;
      r.set_device_id(device);
      const std::string bytes = r.SerializeAsString();
      hub::StoredVersion v;
      v.device_id = device;
      v.seq = seq_[device] + versions.size() + 1;
      v.record_id = r.record_id();
      v.version = r.version();
      v.record.assign(bytes.begin(), bytes.end());
      v.entry_hash = hub::Bytes(32, static_cast<uint8_t>(v.seq));
      versions.push_back(std::move(v));
    }
    for (auto& [device, versions] : per_device) {
      SWEEP_RETURN_IF_ERROR(service_->store()->AppendVersions(device, seq_[device], versions));
      seq_[device] += versions.size();
    }
    return Status::Ok();
  }
  size_t devices() const { return seq_.size(); }

 private:
  // Enrolls `officer`'s tablet on first use, with a code made as
  // `sweep-hub enroll-code` makes it.
  Result<std::string> DeviceOf(const std::string& officer) {
    const std::string device = "tablet-" + officer;
    if (seq_.count(device)) return device;
    SWEEP_ASSIGN_OR_RETURN(std::string code,
                           service_->CreateEnrollCode(officer, "police", "officer", kDayMs));
    SWEEP_ASSIGN_OR_RETURN(sync::EnrollCodeParts parts, sync::ParseEnrollCode(code));
    hub::Device d;
    d.device_id = device;
    d.officer_id = officer;
    d.agency = "police";
    d.role = "officer";
    d.sign_pk = d.box_pk = hub::Bytes(32, 1);  // never checked: nothing is pushed over HTTP
    d.enrolled_ms = service_->env()->NowMillis();
    SWEEP_RETURN_IF_ERROR(
        service_->store()->ConsumeCodeAddDevice(sync::CodeId(parts.secret), d.enrolled_ms, d));
    seq_[device] = 0;
    return device;
  }

  hub::HubService* service_;
  std::map<std::string, uint64_t> seq_;  // device → last stored seq
};

// Ledger settings, the register (through the import file sweep-hub reads),
// the beats and who walks them.
Status SetUpRegister(hub::HubService* service, const hub::sim::Station& station,
                     const std::string& dir) {
  hub::RegisterService reg(service->store(), service->env());
  SWEEP_ASSIGN_OR_RETURN(v1::LedgerConfig config, reg.LedgerConfig());
  config.set_default_division(station.options.district);
  SWEEP_RETURN_IF_ERROR(reg.SetLedgerConfig(config));
  SWEEP_RETURN_IF_ERROR(hub::sim::WriteStation(station, dir));  // records were streamed: none
  hub::ImportReport imported;
  SWEEP_RETURN_IF_ERROR(reg.ImportFile(dir + "/buildings.jsonl", hub::RegisterFormat::kJsonl, "",
                                       nullptr, &imported));
  std::map<std::string, bool> made;
  for (const auto& [beat, community] : station.beats) {
    hub::BeatMembers members;
    members.communities = {community};
    SWEEP_RETURN_IF_ERROR(made[beat] ? reg.AddToBeat(beat, members)
                                     : reg.CreateBeat(beat, members));
    made[beat] = true;
  }
  for (const auto& [beat, officer] : station.assignments) {
    SWEEP_RETURN_IF_ERROR(reg.Assign(beat, officer));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<hub::HubService>> BuildStation(const ScreenOptions& o,
                                                      const std::string& dir,
                                                      StationFigures* figures) {
  Env* env = Env::Default();
  SWEEP_ASSIGN_OR_RETURN(auto store, hub::OpenSqliteHubStore(dir + "/hub.db"));
  SWEEP_ASSIGN_OR_RETURN(auto service, hub::HubService::Open(std::move(store), env));
  hub::HubStore* hub_store = service->store();

  Stopwatch sim_watch;
  Tablets tablets(service.get());
  Progress progress("simulating and storing (visits)", o.visits);
  auto station =
      hub::sim::Simulate(SimOptions(o, env->NowMillis()), {},
                         [&](const std::vector<v1::Record>& records,
                             const std::vector<hub::sim::MentionTruth>& truth) {
                           figures->visits += records.size();
                           figures->mentions += truth.size();
                           progress.Update(std::min<uint64_t>(figures->visits, o.visits));
                           return tablets.Push(records);
                         });
  if (!station.ok()) return station.status();
  figures->simulate_store_s = sim_watch.Seconds();
  figures->buildings = station->buildings.size();
  figures->officers = tablets.devices();

  Stopwatch reg_watch;
  SWEEP_RETURN_IF_ERROR(SetUpRegister(service.get(), *station, dir + "/station"));
  figures->register_s = reg_watch.Seconds();
  Stopwatch ledger_watch;
  SWEEP_ASSIGN_OR_RETURN(auto caught_up, hub::LedgerService(hub_store, env).CatchUp());
  (void)caught_up;
  figures->ledger_s = ledger_watch.Seconds();
  Stopwatch merge_watch;
  SWEEP_ASSIGN_OR_RETURN(auto merged, hub::MergeService(hub_store, env).Run());
  figures->merge_s = merge_watch.Seconds();
  figures->review_pairs = merged.review;

  hub::Accounts accounts(hub_store, env);
  SWEEP_RETURN_IF_ERROR(
      accounts.Add(kSupervisor, "王敏", "supervisor", "police", kSupervisorPassword));
  return service;
}

}  // namespace sweep::bench
