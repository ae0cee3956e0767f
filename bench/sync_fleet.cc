#include "sync_fleet.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <latch>
#include <thread>

#include "bench_util.h"
#include "sync_hub.h"
#include "sync_tablet.h"

namespace sweep::bench {
namespace {

constexpr int kMaxAttempts = 20;  // whole syncs per tablet before giving up

struct Outcome {
  double ms = 0;
  int attempts = 0;
  uint64_t requests = 0, no_answer = 0;
  Status status;
};

// One tablet's evening sync, re-run while it fails with Unavailable (the
// hub busy or a connection refused), each time on a new connection.
Outcome SyncUntilDone(Tablet* t, const std::string& url, const Stopwatch& start) {
  Outcome o;
  for (o.attempts = 1; o.attempts <= kMaxAttempts; ++o.attempts) {
    auto inner = field::NewHttpTransport(url, {});
    if (!inner.ok()) {
      o.status = inner.status();
      return o;
    }
    CountingTransport transport(std::move(inner).value());
    auto r = field::Sync(t->store.get(), &transport, {});
    o.requests += transport.posts;
    o.no_answer += transport.no_answer;
    if (r.ok()) {
      o.ms = start.Seconds() * 1000;
      o.status = Status::Ok();
      return o;
    }
    o.status = r.status();
    if (r.status().code() != Code::kUnavailable) return o;
    std::this_thread::sleep_for(std::chrono::milliseconds(50 * o.attempts));
  }
  o.status = o.status.WithContext("still failing after " + std::to_string(kMaxAttempts) + " syncs");
  return o;
}

Result<std::vector<Tablet>> PrepareTablets(const FleetOptions& o, const HubServer& hub) {
  std::vector<Tablet> tablets;
  Progress progress("fleet: creating, enrolling and filling tablets", o.tablets);
  for (uint64_t i = 0; i < o.tablets; ++i) {
    const unsigned long long number = i + 1;
    char officer[32];
    std::snprintf(officer, sizeof officer, "F%05llu", number);
    const std::string dir = (std::filesystem::path(o.dir) / officer).string();
    SWEEP_ASSIGN_OR_RETURN(Tablet t, NewEnrolledTablet(hub, dir, officer));
    SWEEP_RETURN_IF_ERROR(AppendVisits(&t, o.records, o.seed + 1000 + i, nullptr));
    tablets.push_back(std::move(t));
    progress.Update(i + 1);
  }
  return tablets;
}

// Runs all syncs at once (a latch releases the threads together).
std::vector<Outcome> SyncAll(std::vector<Tablet>* tablets, const std::string& url, double* wall_s) {
  std::vector<Outcome> outcomes(tablets->size());
  std::latch ready(static_cast<std::ptrdiff_t>(tablets->size()) + 1);
  std::latch go(1);
  std::atomic<uint64_t> finished{0};
  Stopwatch start;  // reset below, once every thread is waiting
  std::vector<std::thread> threads;
  for (size_t i = 0; i < tablets->size(); ++i) {
    threads.emplace_back([&, i] {
      ready.count_down();
      go.wait();
      outcomes[i] = SyncUntilDone(&(*tablets)[i], url, start);
      finished.fetch_add(1);
    });
  }
  ready.arrive_and_wait();
  start = Stopwatch();
  go.count_down();
  {
    Progress progress("fleet: tablets synced", tablets->size());
    while (finished.load() < tablets->size()) {
      progress.Update(finished.load());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  for (auto& th : threads) th.join();
  *wall_s = start.Seconds();
  return outcomes;
}

// Every tablet's versions are at the hub exactly once, and nothing else is.
Status CheckHub(const std::vector<Tablet>& tablets, const std::string& hub_db,
                FleetResult* result) {
  SWEEP_ASSIGN_OR_RETURN(auto at_hub, HubVersionsByDevice(hub_db));
  for (const Tablet& t : tablets) {
    SWEEP_ASSIGN_OR_RETURN(field::SyncState state, t.store->GetSyncState());
    result->versions_expected += state.head_seq;
    auto it = at_hub.find(t.device_id);
    const DeviceVersions v = it == at_hub.end() ? DeviceVersions{} : it->second;
    if (v.count != state.head_seq || v.distinct_seq != state.head_seq ||
        v.max_seq != state.head_seq || state.synced_seq != state.head_seq) {
      return Status::Corruption("tablet " + t.dir + " (device " + t.device_id + ") has " +
                                std::to_string(state.head_seq) + " versions, believes " +
                                std::to_string(state.synced_seq) +
                                " are at the hub; the hub holds " + std::to_string(v.count) +
                                " rows, " + std::to_string(v.distinct_seq) +
                                " distinct seq, max seq " + std::to_string(v.max_seq));
    }
  }
  for (const auto& [device, v] : at_hub) result->versions_at_hub += v.count;
  if (at_hub.size() != tablets.size() || result->versions_at_hub != result->versions_expected) {
    return Status::Corruption("the hub holds versions of " + std::to_string(at_hub.size()) +
                              " devices (" + std::to_string(result->versions_at_hub) +
                              " rows); expected " + std::to_string(tablets.size()) + " (" +
                              std::to_string(result->versions_expected) + ")");
  }
  return Status::Ok();
}

}  // namespace

Result<FleetResult> RunFleet(const FleetOptions& o) {
  FleetResult result;
  const std::string hub_db = (std::filesystem::path(o.dir) / "fleet-hub.db").string();
  const std::string hub_log = (std::filesystem::path(o.dir) / "fleet-hub.log").string();
  SWEEP_ASSIGN_OR_RETURN(auto hub, HubServer::Start(o.hub_bin, hub_db, hub_log));
  Stopwatch setup;
  SWEEP_ASSIGN_OR_RETURN(std::vector<Tablet> tablets, PrepareTablets(o, *hub));
  result.setup_s = setup.Seconds();

  std::vector<Outcome> outcomes = SyncAll(&tablets, hub->url(), &result.wall_s);
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& out = outcomes[i];
    if (!out.status.ok()) {
      return out.status.WithContext("fleet tablet " + std::to_string(i + 1) + " (" +
                                    tablets[i].dir + ")");
    }
    result.sync_ms.push_back(out.ms);
    result.retries += static_cast<uint64_t>(out.attempts - 1);
    result.requests += out.requests;
    result.no_answer += out.no_answer;
  }
  SWEEP_RETURN_IF_ERROR(CheckHub(tablets, hub_db, &result));
  SWEEP_ASSIGN_OR_RETURN(result.hub_peak_rss_mb, hub->PeakRssMb());
  SWEEP_RETURN_IF_ERROR(hub->Stop());
  return result;
}

}  // namespace sweep::bench
