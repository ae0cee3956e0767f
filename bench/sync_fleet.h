// The fleet phase of the sync benchmark: N tablets, each with its own store
// and connection, sync at the same moment from N threads against one fresh
// sweep-hub process; afterwards the hub's database must hold exactly every
// version once. Call from the main thread (it starts the hub).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sweep/schema/status.h"

namespace sweep::bench {

struct FleetOptions {
  uint64_t tablets = 100;
  uint64_t records = 200;  // per tablet
  uint64_t seed = 1;
  std::string hub_bin;
  std::string dir;  // an empty folder for the hub database and the stores
};

struct FleetResult {
  std::vector<double> sync_ms;  // per tablet: start signal .. its successful sync, retries included
  double wall_s = 0;            // start signal .. last tablet done
  double setup_s = 0;           // creating, enrolling and filling the stores (not measured)
  uint64_t retries = 0;         // whole syncs re-run after failing with Unavailable
  uint64_t requests = 0;        // HTTP requests sent by all tablets
  uint64_t no_answer = 0;       // of those, transport failures (retried inside the client)
  uint64_t versions_expected = 0;
  uint64_t versions_at_hub = 0;  // rows in the hub's versions table for the fleet's devices
  double hub_peak_rss_mb = 0;    // VmHWM of the hub process after the run
};

// Fails if any tablet cannot complete, or the hub holds a version count other
// than expected for any device (missing, duplicated or extra).
Result<FleetResult> RunFleet(const FleetOptions& options);

}  // namespace sweep::bench
