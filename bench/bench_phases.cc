// Store benchmark phases. Only the store calls are timed: generating and
// completing records happens outside the stopwatch for both stores.
#include "bench_phases.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <memory>

#include "bench_records.h"
#include "bench_util.h"
#include "plain_store.h"
#include "sweep/field/store.h"
#include "sweep/schema/record_json.h"
#include "sweep/sync/chain.h"

namespace sweep::bench {
namespace {

constexpr const char* kOfficer = "A1001";
constexpr const char* kPin = "246810";

Result<std::unique_ptr<field::Store>> CreateUnlocked(const std::string& dir,
                                                     const crypto::KdfParams& kdf) {
  field::InitOptions init;
  init.officer_id = kOfficer;
  init.officer_name = "王建国";
  init.kdf = kdf;
  SWEEP_RETURN_IF_ERROR(field::Store::Create(dir, init, kPin, Env::Default()));
  SWEEP_ASSIGN_OR_RETURN(auto store, field::Store::Open(dir, Env::Default()));
  SWEEP_RETURN_IF_ERROR(store->Unlock(kOfficer, kPin));
  return store;
}

// What Store::Append fills in before it serialises, done here for the
// baseline so that it writes records of the same shape and size.
class Completer {
 public:
  Completer() : device_id_(NewRandomId(Env::Default())) {}
  PlainVersion Complete(v1::Record body) {
    Env* env = Env::Default();
    PlainVersion out;
    out.record = std::move(body);
    v1::Record& rec = out.record;
    rec.set_record_id(NewRandomId(env));
    rec.set_version(1);
    rec.set_base_version(0);
    rec.mutable_hlc()->set_wall_ms(env->NowMillis());
    rec.mutable_hlc()->set_logical(logical_++ % 4);
    rec.set_officer_id(kOfficer);
    rec.set_device_id(device_id_);
    for (auto& v : schema::ValidateRecord(rec)) *rec.add_validation() = std::move(v);
    for (auto& [kind, value] : IdentifiersOf(rec)) {
      std::string tag = std::move(kind);
      tag += '|';
      tag += value;
      out.tags.push_back(std::move(tag));
    }
    return out;
  }
  const std::string& device_id() const { return device_id_; }

 private:
  std::string device_id_;
  uint32_t logical_ = 0;
};

// Counts the rows of `table` in the database file at `path`, read directly.
Result<uint64_t> CountRows(const std::string& path, const std::string& table) {
  SWEEP_ASSIGN_OR_RETURN(auto db, sql::Db::Open(path, false));
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT count(*) FROM " + table));
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::Internal("count(*) returned no row");
  return static_cast<uint64_t>(st.Int(0));
}

// CPU time of `body` on this thread (so other processes' load does not
// count), best of three runs, in microseconds per item of `items`.
template <typename Body>
double BestCpuMicros(uint64_t items, Body&& body) {
  constexpr int kRuns = 3;
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < kRuns; ++i) {
    Stopwatch watch;
    body();
    best = std::min(best, watch.CpuSeconds());
  }
  return best * 1e6 / static_cast<double>(items);
}

Status MakeDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::IOError("cannot create " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

uint64_t SignaturesPerCommit(uint64_t versions) {
  const uint64_t every = field::Store::kSignEvery;
  return versions / every + (versions % every != 0 ? 1 : 0);
}

crypto::KdfParams TestKdf() {
  crypto::KdfParams kdf;
  kdf.ops_limit = 1;
  kdf.mem_limit = 8 << 20;
  return kdf;
}

Result<BulkResult> RunBulkEncrypted(const BulkOptions& o) {
  SWEEP_ASSIGN_OR_RETURN(auto dir, TempDir::Create(o.parent_dir));
  SWEEP_ASSIGN_OR_RETURN(auto store, CreateUnlocked(dir->path(), TestKdf()));
  BulkResult r;
  Progress progress("bulk " + o.label + ", encrypted", o.records);
  for (uint64_t done = 0; done < o.records;) {
    const uint64_t n = std::min(o.batch, o.records - done);
    std::vector<field::NewVersion> items;
    items.reserve(n);
    for (uint64_t i = 0; i < n; ++i) items.push_back({"", 0, MakeRentalCheck(o.seed, done + i)});
    Stopwatch watch;
    auto saved = store->Append(std::move(items));
    r.seconds += watch.Seconds();
    r.cpu_seconds += watch.CpuSeconds();
    if (!saved.ok()) return saved.status().WithContext("Store::Append");
    for (const auto& rec : *saved) r.serialized_bytes += rec.ByteSizeLong();
    done += n;
    progress.Update(done);
  }
  r.records = o.records;
  store.reset();
  r.disk_bytes = dir->SizeOnDisk();
  SWEEP_ASSIGN_OR_RETURN(r.tag_rows,
                         CountRows(dir->path() + "/" + field::Store::kFileName, "tags"));
  return r;
}

Result<BulkResult> RunBulkPlain(const BulkOptions& o) {
  SWEEP_ASSIGN_OR_RETURN(auto dir, TempDir::Create(o.parent_dir));
  SWEEP_ASSIGN_OR_RETURN(auto store, PlainStore::Create(dir->path()));
  Completer completer;
  BulkResult r;
  Progress progress("bulk " + o.label + ", plain", o.records);
  for (uint64_t done = 0; done < o.records;) {
    const uint64_t n = std::min(o.batch, o.records - done);
    std::vector<PlainVersion> items;
    items.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      items.push_back(completer.Complete(MakeRentalCheck(o.seed, done + i)));
    }
    Stopwatch watch;
    Status s = store->Append(items, &r.serialized_bytes);
    r.seconds += watch.Seconds();
    r.cpu_seconds += watch.CpuSeconds();
    if (!s.ok()) return s.WithContext("plain SQLite baseline");
    done += n;
    progress.Update(done);
  }
  r.records = o.records;
  store.reset();
  r.disk_bytes = dir->SizeOnDisk();
  SWEEP_ASSIGN_OR_RETURN(r.tag_rows, CountRows(dir->path() + "/plain.db", "tags"));
  return r;
}

Result<SaveLatencies> RunSingleSaves(uint64_t count, uint64_t seed, const std::string& parent) {
  SWEEP_ASSIGN_OR_RETURN(auto dir, TempDir::Create(parent));
  SWEEP_ASSIGN_OR_RETURN(auto store, CreateUnlocked(dir->path() + "/encrypted", TestKdf()));
  SWEEP_RETURN_IF_ERROR(MakeDir(dir->path() + "/plain"));
  SWEEP_ASSIGN_OR_RETURN(auto plain, PlainStore::Create(dir->path() + "/plain"));
  Completer completer;
  SaveLatencies out;
  Progress progress("single saves", count);
  auto save_encrypted = [&](uint64_t i) -> Status {
    std::vector<field::NewVersion> items;
    items.push_back({"", 0, MakeRentalCheck(seed, i)});
    Stopwatch watch;
    auto saved = store->Append(std::move(items));
    out.encrypted_ms.push_back(watch.Seconds() * 1e3);
    return saved.ok() ? Status::Ok() : saved.status().WithContext("Store::Append");
  };
  auto save_plain = [&](uint64_t i) -> Status {
    std::vector<PlainVersion> items;
    items.push_back(completer.Complete(MakeRentalCheck(seed, i)));
    Stopwatch watch;
    Status s = plain->Append(items, nullptr);
    out.plain_ms.push_back(watch.Seconds() * 1e3);
    return s.ok() ? s : s.WithContext("plain SQLite baseline");
  };
  for (uint64_t i = 0; i < count; ++i) {
    // Alternate which goes first so neither always follows the other's fsync.
    if (i % 2 == 0) {
      SWEEP_RETURN_IF_ERROR(save_plain(i));
      SWEEP_RETURN_IF_ERROR(save_encrypted(i));
    } else {
      SWEEP_RETURN_IF_ERROR(save_encrypted(i));
      SWEEP_RETURN_IF_ERROR(save_plain(i));
    }
    progress.Update(i + 1);
  }
  return out;
}

Result<std::vector<double>> RunUnlocks(const crypto::KdfParams& kdf, uint64_t count,
                                       const std::string& parent, const std::string& label) {
  SWEEP_ASSIGN_OR_RETURN(auto dir, TempDir::Create(parent));
  Progress progress("unlock, " + label, count);
  SWEEP_ASSIGN_OR_RETURN(auto store, CreateUnlocked(dir->path(), kdf));
  std::vector<double> ms;
  for (uint64_t i = 0; i < count; ++i) {
    store->Lock();
    Stopwatch watch;
    Status s = store->Unlock(kOfficer, kPin);
    ms.push_back(watch.Seconds() * 1e3);
    if (!s.ok()) return s.WithContext("Store::Unlock");
    progress.Update(i + 1);
  }
  return ms;
}

Result<std::vector<double>> RunKdf(const crypto::KdfParams& kdf, uint64_t count) {
  crypto::Init();
  std::vector<double> ms;
  for (uint64_t i = 0; i < count; ++i) {
    Stopwatch watch;
    auto key = crypto::DeriveKey(kPin, kdf);
    ms.push_back(watch.Seconds() * 1e3);
    if (!key.ok()) return key.status().WithContext("Argon2id");
  }
  return ms;
}

Result<StepCosts> MeasureStepCosts(uint64_t count, uint64_t batch, uint64_t seed) {
  Env* env = Env::Default();
  crypto::Init();
  Completer completer;
  std::vector<v1::Record> recs;
  std::vector<std::vector<std::string>> tags;
  std::vector<std::string> bytes;
  for (uint64_t i = 0; i < count; ++i) {
    PlainVersion v = completer.Complete(MakeRentalCheck(seed, i));
    bytes.push_back(v.record.SerializeAsString());
    recs.push_back(std::move(v.record));
    tags.push_back(std::move(v.tags));
  }
  const std::string& device = completer.device_id();
  const auto data_key = crypto::SecretBuffer::Random(crypto::kKeySize, env);
  const auto index_key = crypto::SecretBuffer::Random(crypto::kKeySize, env);
  const auto sign = crypto::NewSignKeyPair();
  size_t sink = 0;  // keeps every result observable
  StepCosts c;
  // As Append does it: one pass that validates and lists the normalised
  // identifiers the tags are made from.
  c.validate_us = BestCpuMicros(count, [&] {
    std::vector<schema::RecordIdentifier> ids;
    for (const auto& r : recs) {
      ids.clear();
      sink += schema::ValidateRecord(r, &ids).size() + ids.size();
    }
  });
  c.serialize_us = BestCpuMicros(count, [&] {
    std::string out;
    for (const auto& r : recs) sink += r.SerializeToString(&out) ? out.size() : 0;
  });
  c.seal_us = BestCpuMicros(count, [&] {
    for (uint64_t i = 0; i < count; ++i) {
      // Built per record, as the store builds its associated data.
      std::string ad = "sweep.version.v1|" + device + "|" + std::to_string(i + 1) + "|" +
                       recs[i].record_id() + "|1";
      sink +=
          crypto::AeadSeal(data_key, crypto::AsBytes(bytes[i]), crypto::AsBytes(ad), env).size();
    }
  });
  c.chain_us = BestCpuMicros(count, [&] {
    sync::Digest prev{};
    for (uint64_t i = 0; i < count; ++i) {
      prev = sync::EntryHash(device, i + 1, prev, sync::RecordHash(crypto::AsBytes(bytes[i])));
    }
    sink += prev[0];
  });
  c.tags_us = BestCpuMicros(count, [&] {
    for (const auto& list : tags) {
      for (const auto& t : list) {
        sink +=
            crypto::KeyedHash(index_key, {crypto::AsBytes("sweep.tag.v1|"), crypto::AsBytes(t)})[0];
      }
    }
  });
  constexpr int kSignatures = 200;
  const sync::Digest head{};
  const double per_signature = BestCpuMicros(kSignatures, [&] {
    for (int i = 0; i < kSignatures; ++i) {
      sink += crypto::Sign(sign.secret_key, sync::HeadMessage(device, i + 1, head))[0];
    }
  });
  c.sign_us =
      per_signature * static_cast<double>(SignaturesPerCommit(batch)) / static_cast<double>(batch);
  c.record_id_us = BestCpuMicros(count, [&] {
    for (uint64_t i = 0; i < count; ++i) sink += NewRandomId(env).size();
  });
  if (sink == 0) return Status::Internal("step cost measurement produced nothing");
  return c;
}

}  // namespace sweep::bench
