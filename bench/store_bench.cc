// store_bench: what the field store's security costs, measured against a
// plain SQLite baseline with the same schema shape, durability settings,
// batch size and records, in one run on one machine. See docs/performance.md.
//
// Phases: bulk insert (rounds alternate which store goes first; medians are
// reported), durable single saves (interleaved), unlock at the production
// and at the test Argon2id parameters (plus Argon2id alone, the cost of one
// offline PIN guess), and the per-record cost of each step Append adds,
// measured in isolation. Prints a table, then one JSON line per figure.
// Exit codes: 0 ok, 1 a measurement failed, 2 bad usage.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "bench_phases.h"
#include "bench_util.h"
#include "sweep/field/store.h"

namespace sweep::bench {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage = R"(usage: store_bench [options]

Measures the encrypted field store (sealed, chained, signed, keyed-hash
tags) against plain SQLite with the same schema shape, the same durability
pragmas (WAL, synchronous=FULL, secure_delete, temp_store=MEMORY), the same
batch size and the same ~1 KB rental-check records, side by side in one run.

  --records N   records per bulk-insert run                  (default 100000)
  --batch N     records per transaction in the bulk runs     (default 1000)
  --rounds N    bulk runs per store; rounds alternate which
                store goes first and the median is reported  (default 1)
  --single N    durable single-record saves per store,
                interleaved; 0 skips the phase               (default 1000)
  --unlocks N   unlocks (and bare Argon2id runs) timed per
                KDF setting; 0 skips                         (default 5)
  --seed N      record generator seed                        (default 1)
  --dir PATH    where the temporary stores are created
                (default: $TMPDIR or /tmp; use the disk you
                mean to measure, not a tmpfs)
  --help        this text

Output: progress on stderr (only on a terminal); on stdout a table and one
JSON line per figure, {"name":"store.bulk.encrypted","value":...,"unit":"records/s"}.

Exit codes: 0 ok, 1 a measurement failed (the message says which), 2 bad usage.
)";

struct Options {
  uint64_t records = 100'000;
  uint64_t batch = 1'000;
  uint64_t rounds = 1;
  uint64_t single = 1'000;
  uint64_t unlocks = 5;
  uint64_t seed = 1;
  std::string dir;
  bool help = false;
};

Result<uint64_t> ParseCount(std::string_view flag, std::string_view text, uint64_t min) {
  uint64_t v = 0;
  if (text.empty() || text.size() > 12) {
    return Status::InvalidArgument(std::string(flag) + " needs a whole number, got '" +
                                   std::string(text) + "'");
  }
  for (char ch : text) {
    if (ch < '0' || ch > '9') {
      return Status::InvalidArgument(std::string(flag) + " needs a whole number, got '" +
                                     std::string(text) + "'");
    }
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (v < min) {
    return Status::InvalidArgument(std::string(flag) + " must be at least " + std::to_string(min));
  }
  return v;
}

Result<Options> ParseOptions(int argc, char** argv) {
  Options o;
  struct Count {
    const char* flag;
    uint64_t* target;
    uint64_t min;
  };
  const Count counts[] = {{"--records", &o.records, 1}, {"--batch", &o.batch, 1},
                          {"--rounds", &o.rounds, 1},   {"--single", &o.single, 0},
                          {"--unlocks", &o.unlocks, 0}, {"--seed", &o.seed, 0}};
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      o.help = true;
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
    if (arg == "--dir") {
      SWEEP_ASSIGN_OR_RETURN(std::string_view text, take_value());
      o.dir = std::string(text);
      known = true;
    }
    if (!known) return Status::InvalidArgument("unknown option '" + std::string(arg) + "'");
  }
  if (o.dir.empty()) {
    std::error_code ec;
    o.dir = std::filesystem::temp_directory_path(ec).string();
    if (ec) o.dir = "/tmp";
  }
  return o;
}

std::string KdfLabel(const crypto::KdfParams& kdf) {
  return "Argon2id ops " + std::to_string(kdf.ops_limit) + ", " +
         std::to_string(kdf.mem_limit >> 20) + " MiB";
}

struct Bulk {
  std::vector<double> plain_rps, encrypted_rps, plain_mbps, encrypted_mbps, ratios;
  BulkResult last_plain, last_encrypted;
};

Result<Bulk> RunBulk(const Options& o) {
  Bulk b;
  for (uint64_t round = 0; round < o.rounds; ++round) {
    BulkOptions bo{o.records, o.batch, o.seed, o.dir,
                   "round " + std::to_string(round + 1) + "/" + std::to_string(o.rounds)};
    // Even rounds start with the baseline, odd rounds with the store.
    for (int leg = 0; leg < 2; ++leg) {
      if ((leg == 0) == (round % 2 == 0)) {
        SWEEP_ASSIGN_OR_RETURN(b.last_plain, RunBulkPlain(bo));
      } else {
        SWEEP_ASSIGN_OR_RETURN(b.last_encrypted, RunBulkEncrypted(bo));
      }
    }
    if (b.last_plain.tag_rows != b.last_encrypted.tag_rows) {
      return Status::Internal("the baseline wrote " + std::to_string(b.last_plain.tag_rows) +
                              " tag rows and the store " +
                              std::to_string(b.last_encrypted.tag_rows) +
                              ": the comparison would be unfair (bench/bench_records.cc "
                              "IdentifiersOf no longer matches the store's rule)");
    }
    b.plain_rps.push_back(b.last_plain.records_per_second());
    b.encrypted_rps.push_back(b.last_encrypted.records_per_second());
    b.plain_mbps.push_back(b.last_plain.megabytes_per_second());
    b.encrypted_mbps.push_back(b.last_encrypted.megabytes_per_second());
    b.ratios.push_back(b.encrypted_rps.back() / b.plain_rps.back());
  }
  return b;
}

void ReportBulk(const Options& o, const Bulk& b, Report* report) {
  report->Section("Bulk insert: " + std::to_string(o.records) + " records, " +
                  std::to_string(o.batch) + " per transaction, median of " +
                  std::to_string(o.rounds) + " round(s)");
  const auto& e = b.last_encrypted;
  report->Add("store.bulk.record_size",
              static_cast<double>(e.serialized_bytes) / static_cast<double>(e.records), "bytes",
              "mean serialized record");
  report->Add("store.bulk.tags_per_record",
              static_cast<double>(e.tag_rows) / static_cast<double>(e.records), "rows",
              "identifier tags per record (both stores)");
  report->Add("store.bulk.plain", Median(b.plain_rps), "records/s", "plain SQLite");
  report->Add("store.bulk.plain.mbps", Median(b.plain_mbps), "MB/s", "plain SQLite");
  report->Add("store.bulk.encrypted", Median(b.encrypted_rps), "records/s", "encrypted store");
  report->Add("store.bulk.encrypted.mbps", Median(b.encrypted_mbps), "MB/s", "encrypted store");
  report->Add("store.bulk.ratio", Median(b.ratios), "x",
              "encrypted / plain throughput (target >= 0.5)");
  report->Add("store.bulk.plain.cpu",
              b.last_plain.cpu_seconds * 1e6 / static_cast<double>(b.last_plain.records),
              "us/record", "plain SQLite, CPU time (last round)");
  report->Add("store.bulk.encrypted.cpu", e.cpu_seconds * 1e6 / static_cast<double>(e.records),
              "us/record", "encrypted store, CPU time (last round)");
  report->Add("store.bulk.plain.disk", static_cast<double>(b.last_plain.disk_bytes) / 1e6, "MB",
              "plain database + WAL on disk");
  report->Add("store.bulk.encrypted.disk", static_cast<double>(e.disk_bytes) / 1e6, "MB",
              "encrypted database + WAL on disk");
}

void ReportSaves(const Options& o, const SaveLatencies& s, Report* report) {
  report->Section("Single durable saves: " + std::to_string(o.single) +
                  " one-record commits per store, interleaved");
  const double pp50 = Percentile(s.plain_ms, 50), pp99 = Percentile(s.plain_ms, 99);
  const double ep50 = Percentile(s.encrypted_ms, 50), ep99 = Percentile(s.encrypted_ms, 99);
  report->Add("store.save.plain.p50", pp50, "ms", "plain SQLite p50");
  report->Add("store.save.plain.p99", pp99, "ms", "plain SQLite p99");
  report->Add("store.save.encrypted.p50", ep50, "ms", "encrypted store p50");
  report->Add("store.save.encrypted.p99", ep99, "ms", "encrypted store p99");
  report->Add("store.save.ratio.p50", ep50 / pp50, "x", "encrypted / plain latency, p50");
  report->Add("store.save.ratio.p99", ep99 / pp99, "x", "encrypted / plain latency, p99");
}

void ReportCosts(const Options& o, const StepCosts& c, const Bulk& b, Report* report) {
  report->Section("Per-record cost of the steps Append adds (measured in isolation)");
  report->Add("store.cost.validate", c.validate_us, "us/record",
              "identifier validation (and the identifiers for the tags)");
  report->Add("store.cost.seal", c.seal_us, "us/record", "XChaCha20-Poly1305 seal");
  report->Add("store.cost.chain", c.chain_us, "us/record", "BLAKE2b record + entry hash");
  report->Add("store.cost.tags", c.tags_us, "us/record", "BLAKE2b keyed tag hashes");
  report->Add("store.cost.sign", c.sign_us, "us/record",
              "Ed25519 signatures (" + std::to_string(SignaturesPerCommit(o.batch)) + " per " +
                  std::to_string(o.batch) + ")");
  report->Add("store.cost.record_id", c.record_id_us, "us/record", "random record id");
  report->Add("store.cost.serialize", c.serialize_us, "us/record", "protobuf serialise (both)");
  // CPU time on both sides, so the comparison holds on a loaded machine
  // (where wall time also counts waiting for a CPU).
  const auto per_record = [](const BulkResult& r) {
    return r.cpu_seconds * 1e6 / static_cast<double>(r.records);
  };
  const double added_us = per_record(b.last_encrypted) - per_record(b.last_plain);
  report->Add("store.cost.steps", c.total(), "us/record", "all steps above (without serialise)");
  report->Add("store.cost.added_cpu", added_us, "us/record",
              "measured CPU added by Append (encrypted - plain)");
  if (added_us > 0) {
    report->Add("store.cost.validation_share", 100 * c.validate_us / added_us, "%",
                "share of added CPU: validating identifiers");
    report->Add("store.cost.crypto_share",
                100 * (c.seal_us + c.chain_us + c.tags_us + c.sign_us + c.record_id_us) / added_us,
                "%", "share of added CPU: seal, hashes, signature, id");
  }
}

int Fail(const char* what, const Status& s) {
  std::fprintf(stderr, "store_bench: %s failed: %s\n", what, s.ToString().c_str());
  return kExitFailure;
}

int Main(int argc, char** argv) {
  auto parsed = ParseOptions(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "store_bench: %s\n(see store_bench --help)\n",
                 parsed.status().message().c_str());
    return kExitUsage;
  }
  const Options& o = *parsed;
  if (o.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::printf(
      "store_bench: records %llu, batch %llu, rounds %llu, single %llu, unlocks %llu, "
      "seed %llu, dir %s\n",
      static_cast<unsigned long long>(o.records), static_cast<unsigned long long>(o.batch),
      static_cast<unsigned long long>(o.rounds), static_cast<unsigned long long>(o.single),
      static_cast<unsigned long long>(o.unlocks), static_cast<unsigned long long>(o.seed),
      o.dir.c_str());
  Report report;
  auto bulk = RunBulk(o);
  if (!bulk.ok()) return Fail("bulk insert", bulk.status());
  ReportBulk(o, *bulk, &report);
  if (o.single > 0) {
    auto saves = RunSingleSaves(o.single, o.seed, o.dir);
    if (!saves.ok()) return Fail("single saves", saves.status());
    ReportSaves(o, *saves, &report);
  }
  if (o.unlocks > 0) {
    const crypto::KdfParams production = field::InitOptions{}.kdf;
    report.Section("Unlock (median of " + std::to_string(o.unlocks) + ")");
    auto prod = RunUnlocks(production, o.unlocks, o.dir, "production");
    if (!prod.ok()) return Fail("unlock at production parameters", prod.status());
    report.Add("store.unlock.production.median", Median(*prod), "ms",
               "unlock, production, " + KdfLabel(production));
    auto kdf = RunKdf(production, o.unlocks);
    if (!kdf.ok()) return Fail("Argon2id at production parameters", kdf.status());
    report.Add("store.kdf.production.median", Median(*kdf), "ms",
               "Argon2id alone (one PIN guess), production");
    auto test = RunUnlocks(TestKdf(), o.unlocks, o.dir, "test parameters");
    if (!test.ok()) return Fail("unlock at test parameters", test.status());
    report.Add("store.unlock.test.median", Median(*test), "ms",
               "unlock, tests, " + KdfLabel(TestKdf()));
  }
  auto costs = MeasureStepCosts(std::min<uint64_t>(o.records, 5'000), o.batch, o.seed);
  if (!costs.ok()) return Fail("step cost measurement", costs.status());
  ReportCosts(o, *costs, *bulk, &report);
  report.PrintTable(stdout);
  report.PrintJsonLines(stdout);
  return 0;
}

}  // namespace
}  // namespace sweep::bench

int main(int argc, char** argv) { return sweep::bench::Main(argc, argv); }
