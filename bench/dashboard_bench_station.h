// dashboard_bench: the simulated station's hub store (dashboard_bench.h).
// A station of about --visits visits over --days days ending today, stored
// the way synced tablets leave it: one enrolled device per officer, every
// visit an ingested version of its officer's chain; then the register
// imported, the beats created and assigned, the ledger caught up, the merge
// run, and a supervisor account added. Single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bench_util.h"
#include "dashboard_bench.h"
#include "sweep/hub/service.h"

namespace sweep::bench {

inline constexpr const char* kSupervisor = "S9001";
inline constexpr const char* kSupervisorPassword = "bench supervisor password";

struct StationFigures {
  uint64_t visits = 0, mentions = 0, buildings = 0, officers = 0, review_pairs = 0;
  double simulate_store_s = 0, register_s = 0, ledger_s = 0, merge_s = 0;
};

// Creates the hub store `dir`/hub.db and fills it. The service owns the store.
Result<std::unique_ptr<hub::HubService>> BuildStation(const ScreenOptions& o,
                                                      const std::string& dir,
                                                      StationFigures* figures);

}  // namespace sweep::bench
