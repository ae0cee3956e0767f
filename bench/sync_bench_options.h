// Command-line options of sync_bench and its --help text.
#pragma once

#include <cstdint>
#include <string>

#include "sweep/schema/status.h"

namespace sweep::bench {

struct Options {
  uint64_t records = 20'000;
  uint64_t photos = 200;
  uint64_t photo_kb = 200;
  uint64_t edits = 1'000;
  uint64_t noop_runs = 20;
  uint64_t tablets = 100;
  uint64_t fleet_records = 200;
  uint64_t seed = 1;
  std::string dir;             // parent of the temporary folder
  std::string hub_bin;         // the sweep-hub binary
  std::string pouchdb_script;  // bench/pouchdb/run.sh
  bool pouchdb = true;
  bool help = false;
};

extern const char* const kUsage;

// InvalidArgument with a message for the user on bad usage.
Result<Options> ParseOptions(int argc, char** argv);

}  // namespace sweep::bench
