// Sync between real sweep-field and sweep-hub processes on loopback:
// enrollment, exactly-once push, pull, revocation, and SIGKILL of either
// side in the middle of a sync.
#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <regex>
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

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Tablet {
  std::string store;
  std::string device;
  RunResult Cmd(std::vector<std::string> args, const std::string& input = kPin) const {
    std::vector<std::string> argv = {kField, "--store", store, "--pin-stdin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, input);
  }
};

Tablet NewTablet(const TempDir& dir, const std::string& name, const HubProcess& hub,
                 const std::string& officer = "A1001") {
  Tablet t{dir.Sub(name), ""};
  auto init = t.Cmd({"init", "--officer", officer, "--name", "王建国", "--kdf-ops", "1",
                     "--kdf-mem-mib", "8"});
  REQUIRE(init.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(init.out, m, std::regex("device ([0-9a-f]{32})")));
  t.device = m[1];
  auto enroll = t.Cmd({"enroll", "--hub", hub.url(), "--code", hub.NewCode(officer)});
  INFO(enroll.err);
  REQUIRE(enroll.exit_code == 0);
  return t;
}

// A JSON Lines file of n rental checks (the tenant register, repeated).
std::string Register(const TempDir& dir, int n) {
  std::vector<std::string> lines;
  std::istringstream in(Slurp(kExamples + "tenant-register.jsonl"));
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) lines.push_back(l);
  }
  std::string path = dir.Sub("register-" + std::to_string(n) + ".jsonl");
  std::ofstream out(path);
  for (int i = 0; i < n; ++i) out << lines[i % lines.size()] << "\n";
  return path;
}

void Record(const Tablet& t, const std::string& jsonl) {
  auto r = t.Cmd({"record", "rental-check", "--jsonl", jsonl});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

int HeadSeq(const Tablet& t) {
  auto r = t.Cmd({"list", "--json"});
  return static_cast<int>(std::count(r.out.begin(), r.out.end(), '\n'));
}

}  // namespace

TEST_CASE("enroll, push exactly once, no-op re-sync in one round trip") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  Tablet t = NewTablet(dir, "t1", hub);
  Record(t, Register(dir, 300));
  auto s1 = t.Cmd({"sync"});
  INFO(s1.err);
  REQUIRE(s1.exit_code == 0);
  CHECK(s1.out.find("300 versions sent") != std::string::npos);
  CHECK(hub.Versions(t.device) == 300);
  auto s2 = t.Cmd({"sync"});
  REQUIRE(s2.exit_code == 0);
  CHECK(s2.out.find("0 versions sent") != std::string::npos);
  CHECK(s2.out.find("1 round trips") != std::string::npos);
  Record(t, Register(dir, 7));
  auto s3 = t.Cmd({"sync"});
  REQUIRE(s3.exit_code == 0);
  CHECK(s3.out.find("7 versions sent") != std::string::npos);
  CHECK(hub.Versions(t.device) == 307);
  CHECK(t.Cmd({"verify"}).exit_code == 0);
}

TEST_CASE("enrollment codes: used once, expire, bound to the officer and the hub") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  HubProcess other(kHub, dir.Sub("other.db"));
  REQUIRE(other.Start());
  auto init = [&](const std::string& name, const std::string& officer) {
    Tablet t{dir.Sub(name), ""};
    REQUIRE(t.Cmd({"init", "--officer", officer, "--name", "李", "--kdf-ops", "1",
                   "--kdf-mem-mib", "8"})
                .exit_code == 0);
    return t;
  };
  Tablet a = init("a", "A1001"), b = init("b", "A1001"), c = init("c", "B2002"),
         d = init("d", "A1001"), e = init("e", "A1001");
  std::string code = hub.NewCode("A1001");
  REQUIRE(a.Cmd({"enroll", "--hub", hub.url(), "--code", code}).exit_code == 0);
  auto reused = b.Cmd({"enroll", "--hub", hub.url(), "--code", code});
  CHECK(reused.exit_code == 6);
  CHECK(reused.err.find("already used") != std::string::npos);
  auto wrong_officer = c.Cmd({"enroll", "--hub", hub.url(), "--code", hub.NewCode("A1001")});
  CHECK(wrong_officer.exit_code == 6);
  CHECK(wrong_officer.err.find("issued for another officer") != std::string::npos);
  std::string short_code = hub.NewCode("A1001", "0.0003");  // about one second
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto expired = d.Cmd({"enroll", "--hub", hub.url(), "--code", short_code});
  CHECK(expired.exit_code == 6);
  CHECK(expired.err.find("expired") != std::string::npos);
  // A code from this hub presented to another hub: that hub does not know it.
  auto elsewhere = e.Cmd({"enroll", "--hub", other.url(), "--code", hub.NewCode("A1001")});
  CHECK(elsewhere.exit_code == 6);
  auto garbage = e.Cmd({"enroll", "--hub", hub.url(), "--code", "SWP1-AAAA"});
  CHECK(garbage.exit_code == 2);
  auto unreachable = e.Cmd({"enroll", "--hub", "http://127.0.0.1:1", "--code", hub.NewCode("A1001")});
  CHECK(unreachable.exit_code == 10);
}

TEST_CASE("a revoked tablet is refused, wipes itself, and the hub keeps its records") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  Tablet t = NewTablet(dir, "t1", hub);
  Record(t, Register(dir, 20));
  REQUIRE(t.Cmd({"sync"}).exit_code == 0);
  Record(t, Register(dir, 5));
  REQUIRE(hub.Admin({"revoke", t.device, "--reason", "tablet reported lost"}).exit_code == 0);
  auto s = t.Cmd({"sync"});
  CHECK(s.exit_code == 8);
  CHECK(s.err.find("tablet reported lost") != std::string::npos);
  CHECK(t.Cmd({"list"}).exit_code == 8);
  CHECK(hub.Versions(t.device) == 20);
  auto alerts = hub.Admin({"alerts"});
  CHECK(alerts.out.find("revoked_contact") != std::string::npos);
}

TEST_CASE("the watchlist arrives by pull and raises a hit offline") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  Tablet t = NewTablet(dir, "t1", hub);
  REQUIRE(hub.Admin({"watchlist", "add", "--kind", "phone", "+86 139 0735 1862", "--note",
                     "稳住并联系所里"})
              .exit_code == 0);
  auto s = t.Cmd({"sync"});
  REQUIRE(s.exit_code == 0);
  CHECK(s.out.find("1 updates received") != std::string::npos);
  std::string body = R"({"unitStatus":"UNIT_STATUS_CHECKED","address":{"raw":"国庆北路18号3栋2单元502室"},
    "occupants":[{"name":"周雨桐","phone":"13907351862"}]})";
  auto rec = t.Cmd({"record", "rental-check", "--json", "-"}, kPin + body);
  REQUIRE(rec.exit_code == 0);
  CHECK(rec.out.find("WATCHLIST HIT") != std::string::npos);
  CHECK(rec.out.find("稳住并联系所里") != std::string::npos);
  REQUIRE(hub.Admin({"watchlist", "remove", "--kind", "phone", "13907351862"}).exit_code == 0);
  REQUIRE(t.Cmd({"sync"}).exit_code == 0);
  auto again = t.Cmd({"record", "rental-check", "--json", "-"}, kPin + body);
  CHECK(again.out.find("WATCHLIST HIT") == std::string::npos);
  // Nothing about the watchlist is on the tablet's disk in clear.
  std::string disk;
  for (const auto& f : std::filesystem::directory_iterator(t.store)) disk += Slurp(f.path());
  CHECK(disk.find("13907351862") == std::string::npos);
  CHECK(disk.find("稳住并联系所里") == std::string::npos);
}

TEST_CASE("SIGKILL the hub mid-ingest, restart it: nothing lost or doubled") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  Tablet t = NewTablet(dir, "t1", hub);
  Record(t, Register(dir, 4000));
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    Child sync({kField, "--store", t.store, "--pin-stdin", "sync"});
    sync.Write(kPin);
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 120));
    hub.Kill();
    sync.Wait();
    REQUIRE(hub.Start(hub.port()));
  }
  auto s = t.Cmd({"sync", "--hub", hub.url()});
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  CHECK(hub.Versions(t.device) == 4000);
  CHECK(s.out.find("hub holds seq 1..4000") != std::string::npos);
}

TEST_CASE("SIGKILL the tablet mid-sync: the next sync completes, nothing doubled") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  Tablet t = NewTablet(dir, "t1", hub);
  Record(t, Register(dir, 4000));
  std::mt19937 rng(11);
  for (int round = 0; round < 5; ++round) {
    Child sync({kField, "--store", t.store, "--pin-stdin", "sync"});
    sync.Write(kPin);
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 150));
    kill(sync.pid(), SIGKILL);
    sync.Wait();
  }
  auto s = t.Cmd({"sync"});
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  CHECK(hub.Versions(t.device) == 4000);
  CHECK(t.Cmd({"verify"}).exit_code == 0);
  CHECK(hub.Stop() == 0);  // SIGTERM: clean shutdown
}

TEST_CASE("HTTPS: a tablet enrolls and syncs over TLS, trusting the station's CA file") {
  TempDir dir;
  std::string cert = dir.Sub("hub.crt"), key = dir.Sub("hub.key");
  auto gen = Run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                  "-subj", "/CN=sweep-test-hub", "-addext", "subjectAltName=IP:127.0.0.1"});
  INFO(gen.err);
  REQUIRE(gen.exit_code == 0);
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start(0, cert, key));
  REQUIRE(hub.url().rfind("https://", 0) == 0);
  Tablet t{dir.Sub("t"), ""};
  REQUIRE(t.Cmd({"init", "--officer", "A1001", "--name", "王建国", "--kdf-ops", "1",
                 "--kdf-mem-mib", "8"})
              .exit_code == 0);
  // Without the CA the certificate is not trusted: refused, nothing sent.
  auto untrusted = t.Cmd({"enroll", "--hub", hub.url(), "--code", hub.NewCode("A1001")});
  CHECK(untrusted.exit_code == 6);
  CHECK(untrusted.err.find("--tls-ca") != std::string::npos);
  auto enroll = t.Cmd({"enroll", "--hub", hub.url(), "--code", hub.NewCode("A1001"), "--tls-ca", cert});
  INFO(enroll.err);
  REQUIRE(enroll.exit_code == 0);
  Record(t, Register(dir, 12));
  auto s = t.Cmd({"sync", "--tls-ca", cert});
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  CHECK(s.out.find("12 versions sent") != std::string::npos);
  // Plain HTTP to the TLS port gets no Sweep answer.
  auto plain = t.Cmd({"sync", "--hub", "http://127.0.0.1:" + std::to_string(hub.port())});
  CHECK(plain.exit_code != 0);
}
