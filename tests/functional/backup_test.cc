// Encrypted online backup of a serving hub (docs/hub-storage.md "Backups"):
// many real sweep-field tablets keep syncing to a real `sweep-hub serve`
// while `sweep-hub backup` runs; the backup is restored into a new file
// and every version the hub had acknowledged when the backup started must
// be there, in a hub that opens and verifies. SWEEP_BACKUP_TABLETS sets the
// number of tablets (default 100).
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "../support/fake_env.h"
#include "../support/hub_process.h"
#include "../support/process.h"

using namespace sweep::testing;

namespace {

const std::string kField = SWEEP_FIELD_BIN;
const std::string kHub = SWEEP_HUB_BIN;
const std::string kExamples = std::string(SWEEP_SOURCE_DIR) + "/docs/examples/";
const std::string kPin = "246810\n";

RunResult Field(const std::string& store, std::vector<std::string> args) {
  std::vector<std::string> argv = {kField, "--store", store, "--pin-stdin"};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, kPin);
}

// "device D versions N acked M" lines of `sweep-hub stats`: device -> versions.
std::map<std::string, long> Stats(const std::string& db) {
  auto r = Run({kHub, "--db", db, "stats"});
  std::map<std::string, long> out;
  std::regex re("device ([0-9a-f]{32}) versions (\\d+)");
  for (std::sregex_iterator it(r.out.begin(), r.out.end(), re), end; it != end; ++it) {
    out[(*it)[1]] = std::stol((*it)[2]);
  }
  return out;
}

// Runs fn(i) for i in [0, n) on `workers` threads.
template <typename Fn>
void Parallel(int n, int workers, Fn fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (int i; (i = next++) < n;) fn(i);
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace

TEST_CASE("backup during a fleet's sync restores every acknowledged version") {
  int tablets = 100;
  if (const char* n = std::getenv("SWEEP_BACKUP_TABLETS")) tablets = std::atoi(n);
  TempDir dir;
  std::string db = dir.Sub("hub.db"), key = dir.Sub("backup.key"), file = dir.Sub("hub.bk");
  HubProcess hub(kHub, db);
  REQUIRE(hub.Start());
  REQUIRE(Run({kHub, "backup-key", "new", "--out", key}).exit_code == 0);

  // Enroll the fleet: a store per tablet, each with a few rental checks.
  std::string jsonl = kExamples + "tenant-register.jsonl";
  std::vector<std::string> stores(tablets);
  std::atomic<int> setup_failures{0};
  Parallel(tablets, 4, [&](int i) {
    std::string officer = "A" + std::to_string(2000 + i);
    stores[i] = dir.Sub("tablet-" + std::to_string(i));
    bool ok = Field(stores[i], {"init", "--officer", officer, "--name", "王建国", "--kdf-ops", "1",
                                "--kdf-mem-mib", "8"})
                      .exit_code == 0 &&
              Field(stores[i], {"enroll", "--hub", hub.url(), "--code", hub.NewCode(officer)})
                      .exit_code == 0 &&
              Field(stores[i], {"record", "rental-check", "--jsonl", jsonl}).exit_code == 0;
    if (!ok) ++setup_failures;
  });
  REQUIRE(setup_failures == 0);

  // Every tablet syncs, records more and syncs again until told to stop.
  std::atomic<bool> stop{false};
  std::atomic<int> syncs{0}, sync_failures{0};
  std::thread fleet([&] {
    Parallel(tablets, tablets, [&](int i) {
      for (int round = 0; !stop || round == 0; ++round) {
        int rc = Field(stores[i], {"sync"}).exit_code;
        if (rc != 0 && rc != 10) ++sync_failures;  // 10: hub busy, the next round retries
        ++syncs;
        if (Field(stores[i], {"record", "rental-check", "--jsonl", jsonl}).exit_code != 0) {
          ++sync_failures;
        }
      }
    });
  });
  while (syncs < tablets / 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto acked_before = Stats(db);  // what the hub had acknowledged before the backup started
  auto backup = Run({kHub, "--db", db, "backup", "--key", key, file});
  int syncs_at_end = syncs;
  stop = true;
  fleet.join();
  INFO(backup.err);
  REQUIRE(backup.exit_code == 0);
  CHECK(sync_failures == 0);
  WARN(tablets << " tablets, " << syncs << " syncs (" << syncs_at_end
               << " when the backup ended); backup: " << backup.err);

  std::string restored = dir.Sub("restored.db");
  auto restore = Run({kHub, "--db", restored, "--lang", "en", "restore", "--key", key, file});
  INFO(restore.out << restore.err);
  REQUIRE(restore.exit_code == 0);
  CHECK(restore.out.find("integrity_check ok") != std::string::npos);
  auto after = Stats(restored);
  REQUIRE(acked_before.size() == static_cast<size_t>(tablets));
  long before_total = 0;
  for (const auto& [device, versions] : acked_before) {
    INFO("device " << device);
    REQUIRE(after.count(device) == 1);
    CHECK(after[device] >= versions);
    before_total += versions;
  }
  CHECK(before_total > 0);

  // The audit chain, where this build has one (issue 7 item 3).
  if (Run({kHub, "audit", "--help"}).exit_code == 0) {
    auto audit = Run({kHub, "--db", restored, "audit", "verify"});
    INFO(audit.out << audit.err);
    CHECK(audit.exit_code == 0);
  }

  // A second restore into the same file is refused; the hub still serves.
  CHECK(Run({kHub, "--db", restored, "restore", "--key", key, file}).exit_code == 9);
  CHECK(hub.Stop() == 0);
}

TEST_CASE("restore: a wrong key, an altered byte and a missing key exit with their codes") {
  TempDir dir;
  std::string db = dir.Sub("hub.db"), key = dir.Sub("k"), other = dir.Sub("k2"),
              file = dir.Sub("hub.bk");
  REQUIRE(Run({kHub, "--db", db, "stats"}).exit_code == 0);
  REQUIRE(Run({kHub, "backup-key", "new", "--out", key}).exit_code == 0);
  REQUIRE(Run({kHub, "backup-key", "new", "--out", other}).exit_code == 0);
  CHECK(Run({kHub, "backup-key", "new", "--out", key}).exit_code == 9);
  REQUIRE(Run({kHub, "--db", db, "backup", "--key", key, file}).exit_code == 0);
  auto wrong = Run({kHub, "--db", dir.Sub("a.db"), "restore", "--key", other, file});
  CHECK(wrong.exit_code == 6);
  CHECK(wrong.err.find("key") != std::string::npos);
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() - 5] ^= 0x20;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  auto altered = Run({kHub, "--db", dir.Sub("b.db"), "restore", "--key", key, file});
  CHECK(altered.exit_code == 4);
  CHECK(Run({kHub, "--db", dir.Sub("c.db"), "restore", "--key", dir.Sub("none"), file}).exit_code ==
        3);
  CHECK(
      Run({kHub, "--db", dir.Sub("nothing.db"), "backup", "--key", key, dir.Sub("x")}).exit_code ==
      3);
}
