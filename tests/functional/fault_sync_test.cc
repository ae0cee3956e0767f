// 200+ randomised sync rounds through a fault-injecting proxy (drops,
// truncations, duplicated requests, delays) between several tablets and a
// real sweep-hub process. Afterwards every version is at the hub exactly
// once, no tablet believes the hub holds more than it does, and every
// attachment arrived whole. Seeded: the seed is printed on failure.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "../support/fake_env.h"
#include "../support/hub_process.h"
#include "../support/records.h"
#include "support/fault_proxy.h"
#include "sweep/field/store.h"
#include "sweep/field/sync_client.h"

using namespace sweep;
using sweep::testing::FaultConfig;
using sweep::testing::FaultProxy;
using sweep::testing::HubProcess;
using sweep::testing::TempDir;

namespace {

std::unique_ptr<field::Store> NewTablet(const std::string& dir, const std::string& officer,
                                        HubProcess& hub) {
  field::InitOptions opt;
  opt.officer_id = officer;
  opt.officer_name = "测试";
  opt.kdf.ops_limit = 1;
  opt.kdf.mem_limit = 8 << 20;
  REQUIRE(field::Store::Create(dir, opt, "246810", Env::Default()).ok());
  auto s = field::Store::Open(dir, Env::Default());
  REQUIRE(s.ok());
  REQUIRE((*s)->Unlock(officer, "246810").ok());
  auto t = field::NewHttpTransport(hub.url(), {});
  REQUIRE(t.ok());
  REQUIRE(field::Enroll(s->get(), t->get(), hub.url(), hub.NewCode(officer), dir).ok());
  return std::move(s).value();
}

std::string RandomFile(const std::string& path, std::mt19937_64& rng) {
  std::ofstream out(path, std::ios::binary);
  size_t size = 1 + rng() % (700 * 1024);  // up to three chunks
  for (size_t i = 0; i < size; ++i) out.put(static_cast<char>(rng()));
  return path;
}

// Versions the hub holds for a device, read from its database directly (a
// reader beside the running hub; WAL lets it see committed data only).
long HubVersions(const std::string& db_path, const std::string& device) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*), count(DISTINCT seq) FROM versions WHERE device_id=?",
                     -1, &st, nullptr);
  sqlite3_bind_text(st, 1, device.c_str(), -1, SQLITE_TRANSIENT);
  long n = -1;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == sqlite3_column_int64(st, 1)) {
    n = static_cast<long>(sqlite3_column_int64(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

FaultConfig RandomFaults(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> p(0, 0.3);
  FaultConfig c;
  c.drop_request = p(rng);
  c.drop_response = p(rng);
  c.truncate_request = p(rng) / 2;
  c.truncate_response = p(rng) / 2;
  c.duplicate = p(rng);
  c.delay = p(rng);
  c.max_delay_ms = 10;
  return c;
}

}  // namespace

TEST_CASE("randomised sync rounds through a faulty network converge exactly once") {
  const int kTablets = 4, kRounds = 220;
  uint64_t seed = Catch::rngSeed() ? Catch::rngSeed() : std::random_device{}();
  INFO("seed " << seed << " (re-run with --rng-seed " << seed << ")");
  std::mt19937_64 rng(seed);
  TempDir dir;
  HubProcess hub(SWEEP_HUB_BIN, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  FaultProxy::Options popt;
  popt.target_port = static_cast<uint16_t>(hub.port());
  popt.seed = seed;
  std::string err;
  auto proxy = FaultProxy::Start(popt, &err);
  REQUIRE(proxy);
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy->port());

  std::vector<std::unique_ptr<field::Store>> tablets;
  for (int i = 0; i < kTablets; ++i) {
    tablets.push_back(NewTablet(dir.Sub("t" + std::to_string(i)), "A100" + std::to_string(i), hub));
  }
  field::SyncOptions sopt;
  sopt.retries = 2;
  sopt.sleep = [](int64_t) {};  // no waiting between retries in the test
  int ok_rounds = 0, failed_rounds = 0, files_added = 0;
  for (int round = 0; round < kRounds; ++round) {
    field::Store* t = tablets[rng() % kTablets].get();
    std::vector<field::NewVersion> batch;
    size_t n = rng() % 40;
    for (size_t i = 0; i < n; ++i) {
      batch.push_back({"", 0, rng() % 2 ? testing::SampleRentalCheck() : testing::SampleOfficeSweep()});
    }
    if (!batch.empty()) REQUIRE(t->Append(std::move(batch)).ok());
    if (rng() % 10 == 0) {
      REQUIRE(t->AddFile(RandomFile(dir.Sub("photo.jpg"), rng), "image/jpeg").ok());
      ++files_added;
    }
    proxy->SetConfig(RandomFaults(rng));
    sopt.retries = static_cast<int>(rng() % 3);  // sometimes give up at the first fault
    auto transport = field::NewHttpTransport(proxy_url, {});  // a new connection each shift
    REQUIRE(transport.ok());
    auto r = field::Sync(t, transport->get(), sopt);
    r.ok() ? ++ok_rounds : ++failed_rounds;
    if (!r.ok()) {
      // Only network-shaped failures are acceptable, never integrity ones.
      INFO("round " << round << ": " << r.status().ToString());
      REQUIRE((r.status().code() == Code::kUnavailable ||
               r.status().code() == Code::kInvalidArgument));
    }
    // Invariant at every step: the tablet never believes the hub holds more.
    auto state = t->GetSyncState();
    REQUIRE(state.ok());
    auto info = t->Info();
    REQUIRE(info.ok());
    long at_hub = HubVersions(dir.Sub("hub.db"), info->device_id);
    REQUIRE(at_hub >= 0);
    REQUIRE(state->synced_seq <= static_cast<uint64_t>(at_hub));
  }
  auto stats = proxy->Stats();
  INFO("rounds ok " << ok_rounds << ", failed " << failed_rounds << "; drops "
                    << stats.request_drops + stats.response_drops << ", truncations "
                    << stats.request_truncations + stats.response_truncations << ", duplicates "
                    << stats.duplicates << ", files " << files_added);
  CHECK(stats.request_drops + stats.response_drops > 0);
  CHECK(stats.duplicates > 0);

  // Heal the network: one clean sync each, then everything must be there once.
  proxy->SetConfig(FaultConfig{});
  auto transport = field::NewHttpTransport(proxy_url, {});
  REQUIRE(transport.ok());
  for (auto& t : tablets) {
    auto r = field::Sync(t.get(), transport->get(), sopt);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    auto state = t->GetSyncState();
    auto info = t->Info();
    CHECK(state->synced_seq == state->head_seq);
    CHECK(HubVersions(dir.Sub("hub.db"), info->device_id) == static_cast<long>(state->head_seq));
    auto files = t->Files(true);
    REQUIRE(files.ok());
    CHECK(files->empty());  // every attachment confirmed whole by the hub
    auto verify = t->Verify();
    REQUIRE(verify.ok());
    CHECK(verify->ok());
  }
}
