// SIGKILL a writer at random moments, again and again, on one store: every
// version it acknowledged must survive, the store must open cleanly and
// verify, and the writer must be able to go on. Seeded; the seed is printed.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "../support/fake_env.h"
#include "../support/process.h"
#include "sweep/field/store.h"

using namespace sweep;
using sweep::testing::Child;
using sweep::testing::TempDir;

namespace {

// Acknowledged versions: record id -> highest version acknowledged.
void ParseAcks(const std::string& out, std::map<std::string, uint64_t>* acked) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof() && out.back() != '\n') break;  // a line cut by the kill
    std::istringstream l(line);
    std::string word, id;
    uint64_t version = 0;
    if (l >> word >> id >> version && word == "ack") {
      uint64_t& v = (*acked)[id];
      v = std::max(v, version);
    }
  }
}

}  // namespace

TEST_CASE("SIGKILL at random moments loses nothing acknowledged") {
  const int kRounds = 60;
  uint64_t seed = Catch::rngSeed() ? Catch::rngSeed() : std::random_device{}();
  INFO("seed " << seed << " (re-run with --rng-seed " << seed << ")");
  std::mt19937_64 rng(seed);
  TempDir dir;
  field::InitOptions opt;
  opt.officer_id = "A1001";
  opt.officer_name = "王建国";
  opt.kdf.ops_limit = 1;
  opt.kdf.mem_limit = 8 << 20;
  REQUIRE(field::Store::Create(dir.path(), opt, "246810", Env::Default()).ok());
  std::map<std::string, uint64_t> acked;
  int killed_mid_run = 0;
  for (int round = 0; round < kRounds; ++round) {
    Child writer({SWEEP_CRASH_WRITER_BIN, dir.path(), "A1001", std::to_string(rng())});
    REQUIRE(writer.started());
    writer.Write("246810\n");
    // Wait until it has unlocked and written something, then a random while.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (writer.out.find('\n') == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      writer.Pump(10);
    }
    REQUIRE(writer.out.find('\n') != std::string::npos);
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(rng() % 60'000);
    while (std::chrono::steady_clock::now() < until) writer.Pump(1);
    kill(writer.pid(), SIGKILL);
    int code = writer.Wait();
    if (code == -SIGKILL) ++killed_mid_run;
    INFO("round " << round << " stderr: " << writer.err);
    REQUIRE((code == -SIGKILL || code == 0));
    ParseAcks(writer.out, &acked);
  }
  CHECK(killed_mid_run == kRounds);
  auto store = field::Store::Open(dir.path(), Env::Default());
  REQUIRE(store.ok());
  REQUIRE((*store)->Unlock("A1001", "246810").ok());
  auto report = (*store)->Verify();
  REQUIRE(report.ok());
  for (const auto& p : report->problems) UNSCOPED_INFO("seq " << p.seq << ": " << p.what);
  CHECK(report->ok());
  REQUIRE(!acked.empty());
  for (const auto& [id, version] : acked) {
    auto rec = (*store)->Get(id);
    INFO("record " << id);
    REQUIRE(rec.ok());
    CHECK(rec->version() >= version);
  }
  INFO(acked.size() << " records acknowledged");
}
