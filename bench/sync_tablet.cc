#include "sync_tablet.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

#include "bench_records.h"

namespace sweep::bench {
namespace {

constexpr const char* kPin = "246810";
constexpr uint64_t kMaxCommit = 20;  // an officer saves 1-20 records at a time

}  // namespace

crypto::KdfParams BenchKdf() {
  crypto::KdfParams kdf;
  kdf.ops_limit = 1;
  kdf.mem_limit = 8ull << 20;
  return kdf;
}

Result<Tablet> NewEnrolledTablet(const HubServer& hub, const std::string& dir,
                                 const std::string& officer) {
  field::InitOptions init;
  init.officer_id = officer;
  init.officer_name = "基准测试";
  init.kdf = BenchKdf();
  SWEEP_RETURN_IF_ERROR(field::Store::Create(dir, init, kPin, Env::Default()));
  Tablet t;
  t.dir = dir;
  SWEEP_ASSIGN_OR_RETURN(t.store, field::Store::Open(dir, Env::Default()));
  SWEEP_RETURN_IF_ERROR(t.store->Unlock(officer, kPin));
  SWEEP_ASSIGN_OR_RETURN(std::string code, hub.NewEnrollCode(officer));
  SWEEP_ASSIGN_OR_RETURN(auto transport, field::NewHttpTransport(hub.url(), {}));
  SWEEP_RETURN_IF_ERROR(
      field::Enroll(t.store.get(), transport.get(), hub.url(), code, "bench " + officer));
  SWEEP_ASSIGN_OR_RETURN(field::StoreInfo info, t.store->Info());
  t.device_id = info.device_id;
  return t;
}

Status AppendVisits(Tablet* t, uint64_t n, uint64_t seed, Progress* progress) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 1);
  uint64_t done = 0;
  while (done < n) {
    const uint64_t size = std::min<uint64_t>(1 + rng() % kMaxCommit, n - done);
    std::vector<field::NewVersion> commit;
    for (uint64_t i = 0; i < size; ++i) {
      commit.push_back({"", 0, MakeRentalCheck(seed, t->record_ids.size() + i)});
    }
    SWEEP_ASSIGN_OR_RETURN(auto stored, t->store->Append(std::move(commit)));
    for (const auto& r : stored) t->record_ids.push_back(r.record_id());
    done += size;
    if (progress) progress->Update(done);
  }
  return Status::Ok();
}

Status AppendEdits(Tablet* t, uint64_t n, uint64_t seed) {
  // A partial Fisher-Yates shuffle picks n distinct records.
  std::vector<size_t> order(t->record_ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed ^ 0x5EED'0ED1'75ull);
  for (uint64_t k = 0; k < n; ++k) {
    std::swap(order[k], order[k + rng() % (order.size() - k)]);
  }
  uint64_t done = 0;
  while (done < n) {
    const uint64_t size = std::min<uint64_t>(1 + rng() % kMaxCommit, n - done);
    std::vector<field::NewVersion> commit;
    for (uint64_t i = 0; i < size; ++i) {
      const size_t index = order[done + i];
      v1::Record body = MakeRentalCheck(seed, index);  // what version 1 holds
      auto* rc = body.mutable_rental_check();
      rc->set_notes(rc->notes() + "【复查】租客已到派出所补办居住登记，电话卡已上交。");
      rc->set_registration(v1::REGISTRATION_STATUS_PARTIAL);
      rc->set_visited_at_ms(rc->visited_at_ms() + 86'400'000);
      commit.push_back({t->record_ids[index], 0, std::move(body)});
    }
    SWEEP_RETURN_IF_ERROR(t->store->Append(std::move(commit)).status());
    done += size;
  }
  return Status::Ok();
}

Status AddPhotos(Tablet* t, uint64_t n, uint64_t kb, uint64_t seed, const std::string& tmp_dir) {
  std::mt19937_64 rng(seed + 0x9407'0000ull);
  const std::string path = (std::filesystem::path(tmp_dir) / "photo.jpg").string();
  std::vector<uint64_t> words((kb * 1024 + 7) / 8);
  Progress progress("adding photos", n);
  for (uint64_t i = 0; i < n; ++i) {
    for (auto& w : words) w = rng();  // random bytes: incompressible, all distinct
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(words.data()),
                static_cast<std::streamsize>(kb * 1024));
      if (!out) return Status::IOError("cannot write the temporary photo " + path);
    }
    SWEEP_RETURN_IF_ERROR(t->store->AddFile(path, "image/jpeg").status());
    progress.Update(i + 1);
  }
  std::error_code ec;
  std::filesystem::remove(path, ec);
  return Status::Ok();
}

Result<field::HttpResponse> CountingTransport::Post(const std::string& path,
                                                    const std::string& body) {
  ++posts;
  auto r = inner_->Post(path, body);
  if (!r.ok()) {
    ++no_answer;
  } else if (r->status != 200) {
    ++not_ok;
  }
  return r;
}

namespace {

// Where a sync was at its last progress report of one phase.
struct Mark {
  double wall = -1, tablet_cpu = 0, hub_cpu = 0;
  uint64_t bytes = 0;
};

}  // namespace

Result<SyncRun> TimedSync(Tablet* t, const HubServer& hub, const std::string& label) {
  SWEEP_ASSIGN_OR_RETURN(auto transport, field::NewHttpTransport(hub.url(), {}));
  SyncRun run;
  std::unique_ptr<Progress> line;
  std::string shown;
  Mark push, files;
  const double hub_cpu_start = hub.CpuSeconds();
  Stopwatch clock;
  field::SyncOptions opt;
  opt.progress = [&](const field::SyncProgress& p) {
    if (p.phase != "push" && p.phase != "files") {
      line.reset();
      return;  // the pull has no total to show
    }
    Mark& m = p.phase == "push" ? push : files;
    m = {clock.Seconds(), clock.CpuSeconds(), hub.CpuSeconds() - hub_cpu_start, p.bytes};
    if (p.phase != shown) {
      line.reset();  // clears the previous phase's line
      line = std::make_unique<Progress>(label + " " + p.phase, p.total);
      shown = p.phase;
    }
    line->Update(p.done);
  };
  SWEEP_ASSIGN_OR_RETURN(run.summary, field::Sync(t->store.get(), transport.get(), opt));
  run.seconds = clock.Seconds();
  run.tablet_cpu = clock.CpuSeconds();
  run.hub_cpu = hub.CpuSeconds() - hub_cpu_start;
  line.reset();
  if (push.wall >= 0) {
    run.push_seconds = push.wall;
    run.push_bytes = push.bytes;
    run.push_tablet_cpu = push.tablet_cpu;
    run.push_hub_cpu = push.hub_cpu;
  }
  if (files.wall >= 0) {
    const Mark start = push.wall >= 0 ? push : Mark{0, 0, 0, 0};
    run.files_seconds = files.wall - start.wall;
    // Includes the chunks.query calls, which are sent before the first report.
    run.files_bytes = files.bytes - start.bytes;
    run.files_tablet_cpu = files.tablet_cpu - start.tablet_cpu;
    run.files_hub_cpu = files.hub_cpu - start.hub_cpu;
  }
  return run;
}

Result<NoopRuns> TimedNoopSyncs(Tablet* t, const std::string& url, uint64_t runs) {
  NoopRuns out;
  for (uint64_t i = 0; i < runs; ++i) {
    SWEEP_ASSIGN_OR_RETURN(auto transport, field::NewHttpTransport(url, {}));
    Stopwatch clock;
    SWEEP_ASSIGN_OR_RETURN(field::SyncSummary s, field::Sync(t->store.get(), transport.get(), {}));
    out.ms.push_back(clock.Seconds() * 1000);
    out.round_trips.push_back(s.round_trips);
    if (s.pushed + s.duplicates + s.files + s.chunks_sent != 0) {
      return Status::Internal("a sync with nothing new sent versions or files (run " +
                              std::to_string(i + 1) + ")");
    }
  }
  return out;
}

}  // namespace sweep::bench
