#include "sync_bench_options.h"

#include <filesystem>
#include <string_view>

#ifndef SWEEP_HUB_BIN
#define SWEEP_HUB_BIN "sweep-hub"
#endif
#ifndef SWEEP_SOURCE_DIR
#define SWEEP_SOURCE_DIR "."
#endif

namespace sweep::bench {

const char* const kUsage = R"(usage: sync_bench [options]

Measures Sweep's sync against a real sweep-hub process on loopback and, in
the same run, the CouchDB-protocol baseline in bench/pouchdb/:

  1. one tablet's end-of-day sync: N visits (~1 KB, saved in commits of 1-20
     records) and P photos of random bytes; the records and photo phases are
     timed apart, from the sync's progress reports
  2. re-syncs with nothing new (median; round trips per sync)
  3. a re-sync after E edits of existing records
  4. bench/pouchdb/run.sh --docs N --edits E as a child process, and ratios
  5. T tablets syncing at once from T threads against one fresh hub; the
     hub's database is then checked for every version exactly once

Stores are created with Argon2id ops 1, 8 MiB: unlocking is not measured.

  --records N        visits in the end-of-day sync              (default 20000)
  --photos N         photos in it; 0: none                      (default 200)
  --photo-kb N       size of each photo, KiB                    (default 200)
  --edits N          edits before the third sync; 0 skips it    (default 1000)
  --noop-runs N      syncs with nothing new                     (default 20)
  --tablets N        tablets syncing at once; 0 skips the phase (default 100)
  --fleet-records N  records in each fleet tablet               (default 200)
  --seed N           record, photo and commit-size seed         (default 1)
  --no-pouchdb       skip the PouchDB baseline (and the ratios)
  --dir PATH         where the temporary folder goes (default: $TMPDIR or
                     /tmp; use the disk you mean to measure, not a tmpfs)
  --hub PATH         the sweep-hub binary (default: the one built with this)
  --pouchdb-script PATH  the baseline's run.sh (default: the source tree's)
  --help             this text

A quick run: sync_bench --records 500 --photos 5 --edits 50 --tablets 4 --fleet-records 20

Output: progress on stderr (only on a terminal); on stdout a table and one
JSON line per figure, {"name":"sync.push.records_per_s","value":...,"unit":"records/s"},
including the baseline's pouchdb.* lines as it printed them.

Exit codes: 0 ok, 1 a measurement or check failed (the message says which),
2 bad usage, 3 the PouchDB baseline could not run (node or npm missing, or
its packages not installable); the Sweep figures are printed all the same.
)";

namespace {

Result<uint64_t> ParseCount(std::string_view flag, std::string_view text, uint64_t min) {
  const std::string bad =
      std::string(flag) + " needs a whole number, got '" + std::string(text) + "'";
  if (text.empty() || text.size() > 12) return Status::InvalidArgument(bad);
  uint64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return Status::InvalidArgument(bad);
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (v < min) {
    return Status::InvalidArgument(std::string(flag) + " must be at least " + std::to_string(min));
  }
  return v;
}

std::string DefaultTempParent() {
  std::error_code ec;
  std::string dir = std::filesystem::temp_directory_path(ec).string();
  return ec ? "/tmp" : dir;
}

}  // namespace

Result<Options> ParseOptions(int argc, char** argv) {
  Options o;
  o.hub_bin = SWEEP_HUB_BIN;
  o.pouchdb_script = std::string(SWEEP_SOURCE_DIR) + "/bench/pouchdb/run.sh";
  struct Count {
    const char* flag;
    uint64_t* target;
    uint64_t min;
  };
  const Count counts[] = {{"--records", &o.records, 1},
                          {"--photos", &o.photos, 0},
                          {"--photo-kb", &o.photo_kb, 1},
                          {"--edits", &o.edits, 0},
                          {"--noop-runs", &o.noop_runs, 1},
                          {"--tablets", &o.tablets, 0},
                          {"--fleet-records", &o.fleet_records, 1},
                          {"--seed", &o.seed, 0}};
  const std::pair<const char*, std::string*> paths[] = {
      {"--dir", &o.dir}, {"--hub", &o.hub_bin}, {"--pouchdb-script", &o.pouchdb_script}};
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg == "--no-pouchdb") {
      o.pouchdb = false;
      continue;
    }
    std::string_view value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto take_value = [&]() -> Result<std::string_view> {
      if (has_value) return value;
      if (i + 1 >= argc) return Status::InvalidArgument(std::string(arg) + " needs a value");
      return std::string_view(argv[++i]);
    };
    bool known = false;
    for (const Count& c : counts) {
      if (arg != c.flag) continue;
      SWEEP_ASSIGN_OR_RETURN(std::string_view text, take_value());
      SWEEP_ASSIGN_OR_RETURN(*c.target, ParseCount(c.flag, text, c.min));
      known = true;
    }
    for (const auto& [flag, target] : paths) {
      if (arg != flag) continue;
      SWEEP_ASSIGN_OR_RETURN(std::string_view text, take_value());
      if (text.empty()) return Status::InvalidArgument(std::string(flag) + " needs a path");
      *target = std::string(text);
      known = true;
    }
    if (!known) return Status::InvalidArgument("unknown option '" + std::string(arg) + "'");
  }
  if (o.edits > o.records) {
    return Status::InvalidArgument("--edits (" + std::to_string(o.edits) +
                                   ") cannot exceed --records (" + std::to_string(o.records) +
                                   "): each edit changes a different record");
  }
  if (o.dir.empty()) o.dir = DefaultTempParent();
  return o;
}

}  // namespace sweep::bench
