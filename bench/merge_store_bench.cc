// merge_store_bench: the stored person merge (issue 5) through the real
// SQLite hub file, at city scale.
//
// Data: sim::Simulate (streamed) with --mentions + --incremental person
// mentions, --noise (and --hard for several errors per noisy mention). The
// records are stored as ingested versions of --devices fake tablets
// (HubStore::AppendVersions), the first --mentions before the first run, the
// rest after it.
//
// Phases, in one process on one machine:
//   full   MergeService::Run over everything stored: read, resolve, store
//          (time; peak RSS, VmHWM reset before)
//   warm   the same MergeService (its Resolver kept warm) runs the new
//          versions: incremental resolve, only the changes written
//   cold   a fresh MergeService on a copy of the file taken before the warm
//          run (VACUUM INTO) runs the same versions: rebuild from the stored
//          mentions, then the same step — what every run cost before
//   idle   a run with nothing new
// Precision/recall (pairs of mentions of the same true person) are read
// back from the stored entities (merge_entities) after each run; warm and
// cold must store the same entities and review queue.
//
// Prints a table, then one JSON line per figure. Exit codes: 0 ok, 1 a step
// failed, quality is below the bar or warm and cold differ, 2 bad usage.
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <unordered_map>

#include "bench_util.h"
#include "sweep/hub/hub_store.h"
#include "sweep/hub/merge_service.h"
#include "sweep/hub/register.h"
#include "sweep/hub/simulate.h"
#include "sweep/sync/sqlite.h"

namespace sweep::bench {
namespace {

constexpr const char* kUsage = R"(usage: merge_store_bench [options]

  --mentions N      person mentions stored and merged first  (default 1000000)
  --incremental N   mentions then pushed and merged again    (default 10000)
  --noise F         share of mentions typed with noise       (default 0.2)
  --hard            several errors per noisy mention (sim hard noise)
  --seed N          generator seed                           (default 1)
  --devices N       fake tablets the versions come from      (default 4)
  --dir PATH        where the temporary hub file goes        (default /tmp)
  --help            this text

Output: a table and one JSON line per figure on stdout,
{"name":"merge_store.warm.seconds","value":...,"unit":"s"}.
Exit codes: 0 ok, 1 a step failed, quality below the bar (precision 0.99,
recall 0.98) or warm and cold runs stored different results, 2 bad usage.
)";

struct Options {
  size_t mentions = 1'000'000, incremental = 10'000, devices = 4;
  double noise = 0.2;
  bool hard = false;
  uint64_t seed = 1;
  std::string dir = "/tmp";
};

int ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (a == "--hard") {
      o->hard = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "merge_store_bench: %s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    const char* v = argv[++i];
    if (a == "--mentions")
      o->mentions = std::strtoull(v, nullptr, 10);
    else if (a == "--incremental")
      o->incremental = std::strtoull(v, nullptr, 10);
    else if (a == "--noise")
      o->noise = std::atof(v);
    else if (a == "--seed")
      o->seed = std::strtoull(v, nullptr, 10);
    else if (a == "--devices")
      o->devices = std::strtoull(v, nullptr, 10);
    else if (a == "--dir")
      o->dir = v;
    else {
      std::fprintf(stderr, "merge_store_bench: unknown option %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  return o->mentions > 0 && o->devices > 0 ? 0 : 2;
}

long ProcStatusKb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::string(field).size() + 1);
  }
  return 0;
}

void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

uint64_t Pairs(uint64_t n) { return n * (n - 1) / 2; }

struct Quality {
  double precision = 1, recall = 1;
  uint64_t wrong = 0, missed = 0, mentions = 0;
};

using Truth = std::unordered_map<std::string, uint32_t>;  // mention id → true person

// The stored clustering (merge_entities) and review queue, read back with SQL.
struct Stored {
  std::map<std::string, std::string> entity_of;  // mention id → entity id
  std::vector<std::string> review;               // "a b entity_a entity_b score"
};

Result<Stored> ReadStored(const std::string& path) {
  SWEEP_ASSIGN_OR_RETURN(auto db, sql::Db::Open(path, false));
  Stored out;
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT mention_id, entity_id FROM merge_entities"));
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.entity_of.emplace(st.Text(0), st.Text(1));
  }
  SWEEP_ASSIGN_OR_RETURN(auto rv, db->Prepare("SELECT a, b, entity_a, entity_b, score_milli"
                                              " FROM merge_review ORDER BY rank"));
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, rv.Step());
    if (!row) break;
    out.review.push_back(rv.Text(0) + " " + rv.Text(1) + " " + rv.Text(2) + " " + rv.Text(3) + " " +
                         std::to_string(rv.Int(4)));
  }
  return out;
}

Quality Measure(const Stored& s, const Truth& truth) {
  std::unordered_map<std::string, std::vector<uint32_t>> groups;
  std::unordered_map<uint32_t, uint64_t> per_person;
  for (const auto& [m, e] : s.entity_of) {
    auto it = truth.find(m);
    if (it == truth.end()) continue;
    groups[e].push_back(it->second);
    ++per_person[it->second];
  }
  uint64_t found = 0, right = 0, true_pairs = 0;
  for (auto& [e, people] : groups) {
    found += Pairs(people.size());
    std::unordered_map<uint32_t, uint64_t> cell;
    for (uint32_t p : people) ++cell[p];
    for (const auto& [p, n] : cell) right += Pairs(n);
  }
  for (const auto& [p, n] : per_person) true_pairs += Pairs(n);
  return {found ? double(right) / double(found) : 1.0,
          true_pairs ? double(right) / double(true_pairs) : 1.0, found - right, true_pairs - right,
          s.entity_of.size()};
}

// Fake tablets: versions appended to each device's chain, round-robin.
class Devices {
 public:
  Status Enroll(hub::HubStore* store, size_t n) {
    store_ = store;
    for (size_t i = 0; i < n; ++i) {
      hub::EnrollCode c;
      c.code_id = hub::Bytes(8, static_cast<uint8_t>(i + 1));
      c.secret = hub::Bytes(10, 0xC0);
      c.officer_id = "A" + std::to_string(1001 + i);
      c.agency = "police";
      c.role = "officer";
      c.created_ms = 1;
      c.expires_ms = INT64_MAX;
      SWEEP_RETURN_IF_ERROR(store->AddEnrollCode(c));
      hub::Device d;
      d.device_id = "bench-dev-" + std::to_string(i);
      d.officer_id = c.officer_id;
      d.agency = "police";
      d.role = "officer";
      d.sign_pk = hub::Bytes(32, 1);
      d.box_pk = hub::Bytes(32, 2);
      d.enrolled_ms = 1;
      SWEEP_RETURN_IF_ERROR(store->ConsumeCodeAddDevice(c.code_id, 1, d));
      ids_.push_back(d.device_id);
      seq_.push_back(0);
    }
    return Status::Ok();
  }
  // One push per device with its share of `records`.
  Status Push(const std::vector<v1::Record>& records) {
    std::vector<std::vector<hub::StoredVersion>> per(ids_.size());
    for (const v1::Record& rec : records) {
      const size_t d = next_++ % ids_.size();
      v1::Record r = rec;
      r.set_device_id(ids_[d]);
      const std::string bytes = r.SerializeAsString();
      hub::StoredVersion v;
      v.device_id = ids_[d];
      v.seq = seq_[d] + per[d].size() + 1;
      v.record_id = r.record_id();
      v.version = r.version();
      v.record.assign(bytes.begin(), bytes.end());
      v.entry_hash = hub::Bytes(32, static_cast<uint8_t>(v.seq));
      per[d].push_back(std::move(v));
    }
    for (size_t d = 0; d < ids_.size(); ++d) {
      if (per[d].empty()) continue;
      SWEEP_RETURN_IF_ERROR(store_->AppendVersions(ids_[d], seq_[d], per[d]));
      seq_[d] += per[d].size();
    }
    return Status::Ok();
  }

 private:
  hub::HubStore* store_ = nullptr;
  std::vector<std::string> ids_;
  std::vector<uint64_t> seq_;
  size_t next_ = 0;
};

struct Input {
  Truth truth;
  std::vector<v1::Record> later;  // the records pushed after the first run
  size_t first_mentions = 0, later_mentions = 0;
  double simulate_store_seconds = 0;
};

// Simulates and stores the first --mentions as they are made; keeps the rest.
Result<Input> StoreInput(const Options& o, Devices* devices) {
  Stopwatch sw;
  hub::sim::Options so;
  so.seed = o.seed;
  so.noise = o.noise;
  so.hard_noise = o.hard;
  so.target_mentions = o.mentions + o.incremental;
  Input in;
  std::unordered_map<std::string, uint32_t> person_index;
  auto sink = [&](const std::vector<v1::Record>& records,
                  const std::vector<hub::sim::MentionTruth>& truth) -> Status {
    std::unordered_map<std::string, size_t> count;
    for (const auto& t : truth) {
      auto [it, fresh] = person_index.emplace(t.person_id, uint32_t(person_index.size()));
      in.truth[t.record_id + "/" + t.path] = it->second;
      ++count[t.record_id];
    }
    std::vector<v1::Record> now;
    for (const auto& rec : records) {
      const size_t n = count[rec.record_id()];
      if (in.first_mentions < o.mentions) {
        in.first_mentions += n;
        now.push_back(rec);
      } else {
        in.later_mentions += n;
        in.later.push_back(rec);
      }
    }
    return devices->Push(now);
  };
  SWEEP_RETURN_IF_ERROR(hub::sim::Simulate(so, {}, sink).status());
  in.simulate_store_seconds = sw.Seconds();
  return in;
}

void AddQuality(Report* rep, const std::string& prefix, const Quality& q) {
  rep->Add(prefix + ".precision", q.precision, "ratio", "pairwise precision (stored entities)");
  rep->Add(prefix + ".recall", q.recall, "ratio", "pairwise recall (stored entities)");
  rep->Add(prefix + ".wrong_pairs", double(q.wrong), "pairs", "different persons, merged");
  rep->Add(prefix + ".missed_pairs", double(q.missed), "pairs", "same person, apart");
}

bool Good(const Quality& q) { return q.precision >= 0.99 && q.recall >= 0.98; }

void Fail(const std::string& what, const Status& st) {
  std::fprintf(stderr, "merge_store_bench: %s: %s\n", what.c_str(), st.ToString().c_str());
}

struct Bench {
  Options o;
  std::unique_ptr<TempDir> dir;
  std::string path, copy;
  Env* env = Env::Default();
  std::unique_ptr<hub::HubStore> store;
  std::unique_ptr<hub::MergeService> warm;
  Devices devices;
  Input in;
  Report rep;
};

Status Setup(Bench* b) {
  SWEEP_ASSIGN_OR_RETURN(b->dir, TempDir::Create(b->o.dir));
  b->path = b->dir->path() + "/hub.db";
  b->copy = b->dir->path() + "/cold.db";
  SWEEP_ASSIGN_OR_RETURN(b->store, hub::OpenSqliteHubStore(b->path));
  hub::RegisterService reg(b->store.get(), b->env);
  SWEEP_ASSIGN_OR_RETURN(v1::LedgerConfig config, reg.LedgerConfig());
  config.set_default_division(hub::sim::Options{}.district);
  SWEEP_RETURN_IF_ERROR(reg.SetLedgerConfig(config));
  SWEEP_RETURN_IF_ERROR(b->devices.Enroll(b->store.get(), b->o.devices));
  SWEEP_ASSIGN_OR_RETURN(b->in, StoreInput(b->o, &b->devices));
  b->rep.Section(std::string("input (sim::Simulate, noise ") + std::to_string(b->o.noise) +
                 (b->o.hard ? " hard" : "") + ")");
  b->rep.Add("merge_store.mentions", double(b->in.first_mentions), "mentions",
             "stored before the first run");
  b->rep.Add("merge_store.simulate_store.seconds", b->in.simulate_store_seconds, "s",
             "simulating and storing them (not timed below)");
  return Status::Ok();
}

// Where a run's time went (MergeRunStats' phase timings).
void AddPhases(Report* rep, const std::string& name, const hub::MergeRunStats& run) {
  rep->Add(name + ".prepare.seconds", double(run.prepare_ms) / 1000, "s",
           "  read, parse, upsert the mentions");
  rep->Add(name + ".resolve.seconds", double(run.resolve_ms) / 1000, "s", "  Resolve()");
  rep->Add(name + ".store.seconds", double(run.store_ms) / 1000, "s",
           "  collect the changes, ApplyMerge");
}

// The first run over everything stored.
Status PhaseFull(Bench* b, bool* good) {
  b->rep.Section("full: first merge run over everything stored");
  b->warm = std::make_unique<hub::MergeService>(b->store.get(), b->env);
  malloc_trim(0);
  const long rss_before = ProcStatusKb("VmRSS");
  ResetPeakRss();
  Stopwatch sw;
  SWEEP_ASSIGN_OR_RETURN(hub::MergeRunStats run, b->warm->Run());
  const double seconds = sw.Seconds();
  const long peak = ProcStatusKb("VmHWM");
  SWEEP_ASSIGN_OR_RETURN(Stored stored, ReadStored(b->path));
  const Quality q = Measure(stored, b->in.truth);
  b->rep.Add("merge_store.full.seconds", seconds, "s", "Run(): read, resolve, store, all");
  b->rep.Add("merge_store.full.peak_rss", double(peak) / 1024.0, "MiB",
             "peak RSS during the run (whole process)");
  b->rep.Add("merge_store.full.rss_before", double(rss_before) / 1024.0, "MiB",
             "RSS before: the truth table, the store");
  AddPhases(&b->rep, "merge_store.full", run);
  b->rep.Add("merge_store.full.persons", double(run.entities), "entities", "persons stored");
  b->rep.Add("merge_store.full.review", double(run.review), "pairs", "review queue");
  AddQuality(&b->rep, "merge_store.full", q);
  *good = *good && Good(q) && q.mentions == run.mentions;
  return Status::Ok();
}

// The new versions: warm run on the file, cold run on a copy of it.
Status PhaseIncremental(Bench* b, bool* good) {
  SWEEP_RETURN_IF_ERROR(b->devices.Push(b->in.later));
  {
    SWEEP_ASSIGN_OR_RETURN(auto db, sql::Db::Open(b->path, false));
    SWEEP_RETURN_IF_ERROR(db->Exec("VACUUM INTO '" + b->copy + "'"));
  }
  b->rep.Section("incremental: " + std::to_string(b->in.later_mentions) + " new mentions");
  const uint64_t rebuilds = b->warm->rebuilds();
  Stopwatch sw;
  SWEEP_ASSIGN_OR_RETURN(hub::MergeRunStats warm, b->warm->Run());
  const double warm_s = sw.Seconds();
  Stopwatch si;
  SWEEP_ASSIGN_OR_RETURN(hub::MergeRunStats idle, b->warm->Run());
  const double idle_s = si.Seconds();
  const bool was_warm = b->warm->rebuilds() == rebuilds;
  b->warm.reset();  // free the warm resolver before the cold one
  SWEEP_ASSIGN_OR_RETURN(Stored warm_stored, ReadStored(b->path));
  const Quality q = Measure(warm_stored, b->in.truth);
  malloc_trim(0);
  SWEEP_ASSIGN_OR_RETURN(auto cold_store, hub::OpenSqliteHubStore(b->copy));
  hub::MergeService cold(cold_store.get(), b->env);
  Stopwatch sc;
  SWEEP_ASSIGN_OR_RETURN(hub::MergeRunStats cold_run, cold.Run());
  const double cold_s = sc.Seconds();
  SWEEP_ASSIGN_OR_RETURN(Stored cold_stored, ReadStored(b->copy));
  const bool same = cold_stored.entity_of == warm_stored.entity_of &&
                    cold_stored.review == warm_stored.review && cold_run.versions == warm.versions;
  b->rep.Add("merge_store.incremental.versions", double(warm.versions), "versions",
             "new versions read");
  b->rep.Add("merge_store.warm.seconds", warm_s, "s", "Run() with the warm resolver");
  b->rep.Add("merge_store.cold.seconds", cold_s, "s", "Run() rebuilding from the store");
  AddPhases(&b->rep, "merge_store.warm", warm);
  b->rep.Add("merge_store.warm.vs_cold", cold_s / warm_s, "x", "cold ÷ warm (>1: warm faster)");
  b->rep.Add("merge_store.idle.seconds", idle_s, "s", "Run() with nothing new (warm)");
  b->rep.Add("merge_store.warm.equals_cold", same ? 1 : 0, "bool",
             "warm and cold stored the same entities and review queue");
  AddQuality(&b->rep, "merge_store.incremental", q);
  *good = *good && Good(q) && same && was_warm && idle.versions == 0;
  if (!same) std::fprintf(stderr, "merge_store_bench: warm and cold runs differ\n");
  if (!was_warm) std::fprintf(stderr, "merge_store_bench: the warm run rebuilt\n");
  return Status::Ok();
}

int Run(const Options& o) {
  std::fprintf(stderr, "merge_store_bench: simulating and storing %zu mentions...\n",
               o.mentions + o.incremental);
  Bench b;
  b.o = o;
  if (Status st = Setup(&b); !st.ok()) return Fail("setup", st), 1;
  bool good = true;
  if (Status st = PhaseFull(&b, &good); !st.ok()) return Fail("first run", st), 1;
  if (!b.in.later.empty()) {
    if (Status st = PhaseIncremental(&b, &good); !st.ok()) return Fail("incremental", st), 1;
  }
  b.rep.PrintTable(stdout);
  b.rep.PrintJsonLines(stdout);
  return good ? 0 : 1;
}

}  // namespace
}  // namespace sweep::bench

int main(int argc, char** argv) {
  sweep::bench::Options o;
  if (int rc = sweep::bench::ParseArgs(argc, argv, &o); rc != 0) return rc;
  return sweep::bench::Run(o);
}
