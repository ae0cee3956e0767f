// The audit log with the real sweep-hub binary: accounts, an enrolment code
// and a revocation leave their entries (device "cli", actor from --as or
// $USER); `audit verify` prints the count and the head; `audit show
// --entity` answers who and from where; an entry edited with the sqlite3
// command-line shell is found by `audit verify` (exit code 4, the seq
// named), and so is a cut-off tail against the head noted before.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>

#include "../support/fake_env.h"
#include "../support/process.h"

using namespace sweep::testing;

namespace {

const std::string kHub = SWEEP_HUB_BIN;
const std::string kSqlite = "/usr/bin/sqlite3";

struct Hub {
  std::string db;
  RunResult Cmd(std::vector<std::string> args, const std::string& in = "") const {
    args.insert(args.begin(), {kHub, "--db", db});
    return Run(args, in);
  }
  RunResult Ok(const std::vector<std::string>& args, const std::string& in = "") const {
    auto r = Cmd(args, in);
    INFO(args.front() << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }
};

}  // namespace

TEST_CASE("audit: verify finds an entry edited with the sqlite3 shell and a cut tail") {
  if (!std::filesystem::exists(kSqlite)) {
    WARN("no " << kSqlite << " (Debian package sqlite3): skipped");
    return;
  }
  TempDir dir;
  Hub hub{dir.Sub("hub.db")};
  hub.Ok({"user", "add", "--id", "S9001", "--name", "王敏", "--role", "supervisor"},
         "correct horse battery staple\n");
  hub.Ok({"user", "add", "--id", "S9002", "--name", "李红梅", "--role", "admin", "--as", "ops1"},
         "another long password\n");
  hub.Ok({"enroll-code", "--officer", "A1001"});
  hub.Ok({"user", "disable", "--id", "S9002", "--as", "ops1"});
  CHECK(hub.Cmd({"revoke", "no-such-device"}).exit_code == 3);  // nothing happened: no entry

  auto ok = hub.Ok({"--lang", "en", "audit", "verify"});
  CHECK(ok.out.find("audit log OK: 4 entries") != std::string::npos);
  std::smatch m;
  REQUIRE(std::regex_search(ok.out, m, std::regex("head: (4:[0-9a-f]{64})")));
  const std::string head = m[1];
  CHECK(hub.Ok({"audit", "verify", "--json"}).out.find("\"ok\":true,\"count\":4") !=
        std::string::npos);

  // The day's report carries the head, to be noted with it.
  CHECK(hub.Ok({"--lang", "en", "report", "--date", "2026-11-26"})
            .out.find("audit log head: " + head) != std::string::npos);
  auto shown = hub.Ok({"--lang", "en", "audit", "show", "--entity", "user:S9002"});
  CHECK(shown.out.find("2 entries") != std::string::npos);
  CHECK(shown.out.find("ops1 (operator)  cli  role_change  user:S9002") != std::string::npos);
  CHECK(shown.out.find(R"("to":"disabled")") != std::string::npos);
  auto zh = hub.Ok({"audit", "show", "--entity", "S9002"});  // bare id, Chinese table
  CHECK(zh.out.find("账号变更") != std::string::npos);
  auto json = hub.Ok({"audit", "show", "--actor", "ops1", "--json"});
  CHECK(json.out.find(R"("device":"cli")") != std::string::npos);
  CHECK(json.out.find(R"("entity":"user:S9002")") != std::string::npos);
  CHECK(hub.Cmd({"audit", "show", "--since", "yesterday"}).exit_code == 2);

  // An edit behind sweep-hub's back: the entry is named, exit code 4.
  auto edit = Run({kSqlite, hub.db, R"(UPDATE audit SET detail='{"to":"admin"}' WHERE seq=4)"});
  INFO(edit.err);
  REQUIRE(edit.exit_code == 0);
  auto bad = hub.Cmd({"--lang", "en", "audit", "verify"});
  CHECK(bad.exit_code == 4);
  CHECK(bad.out.find("seq 4 (altered)") != std::string::npos);
  CHECK(bad.err.find("hash mismatch at seq 4") != std::string::npos);
  CHECK(bad.err.find("security officer") != std::string::npos);

  // The tail cut off: the chain alone still verifies; the noted head does not.
  REQUIRE(Run({kSqlite, hub.db, "DELETE FROM audit WHERE seq=4"}).exit_code == 0);
  CHECK(hub.Cmd({"audit", "verify"}).exit_code == 0);
  auto cut = hub.Cmd({"--lang", "en", "audit", "verify", "--anchor", head});
  CHECK(cut.exit_code == 4);
  CHECK(cut.err.find("ends at seq 3") != std::string::npos);
  CHECK(hub.Cmd({"audit", "verify", "--anchor", "4:xyz"}).exit_code == 2);
  CHECK(hub.Cmd({"audit", "verify", "--help"}).out.find("Exit codes") != std::string::npos);
}
