// Tablets' local view logs shipped with sync (issue 7), with the real
// sweep-field and sweep-hub binaries on loopback: records viewed offline
// (show, show --history, list, find, a watchlist hit) are listed by
// `sweep-hub audit show` exactly once each, with officer, time and device;
// a second sync ships nothing twice; a person's views are found through the
// records that mention it; an entry of the tablet's chain edited or removed
// in the hub's SQLite file is named by `audit verify` (exit code 4); a
// revoked tablet's views are refused and the tablet wipes itself; hostile
// "views" requests (validly signed, then broken one way each) are refused
// with their codes, a resend is stored once, a different entry is a fork.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>

#include "../support/fake_env.h"
#include "../support/hub_process.h"
#include "../support/process.h"
#include "sweep/field/store.h"
#include "sweep/field/sync_client.h"
#include "sweep/sync/audit_chain.h"

using namespace sweep::testing;

namespace {

const std::string kField = SWEEP_FIELD_BIN;
const std::string kHub = SWEEP_HUB_BIN;
const std::string kExamples = std::string(SWEEP_SOURCE_DIR) + "/docs/examples/";
const std::string kSqlite = "/usr/bin/sqlite3";
const std::string kPin = "246810\n";

struct Tablet {
  std::string store;
  std::string device;
  RunResult Cmd(std::vector<std::string> args, const std::string& input = kPin) const {
    std::vector<std::string> argv = {kField, "--store", store, "--pin-stdin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, input);
  }
  RunResult Ok(const std::vector<std::string>& args, const std::string& input = kPin) const {
    auto r = Cmd(args, input);
    INFO(args.front() << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }
};

RunResult HubOk(const HubProcess& hub, const std::vector<std::string>& args) {
  auto r = hub.Admin(args);
  INFO(args.front() << ": " << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string SavedId(const RunResult& r) {
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, std::regex("saved rental-check ([0-9a-f]{32}) v1")));
  return m[1];
}

}  // namespace

TEST_CASE("views: offline views reach the hub's audit log exactly once, tampering is named") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  Tablet t{dir.Sub("t1"), ""};
  auto init = t.Ok(
      {"init", "--officer", "A1001", "--name", "王建国", "--kdf-ops", "1", "--kdf-mem-mib", "8"});
  std::smatch m;
  REQUIRE(std::regex_search(init.out, m, std::regex("device ([0-9a-f]{32})")));
  t.device = m[1];
  t.Ok({"enroll", "--hub", hub.url(), "--code", hub.NewCode("A1001")});
  const std::string a =
      SavedId(t.Ok({"record", "rental-check", "--json", kExamples + "rental-check.json"}));
  const std::string b =
      SavedId(t.Ok({"record", "rental-check", "--json", kExamples + "rental-check.json"}));
  t.Ok({"sync"});

  // Offline: the hub is down while the officer looks at records.
  hub.Kill();
  CHECK(t.Ok({"show", a}).out.find("曹宇航") != std::string::npos);
  t.Ok({"show", b, "--history"});
  t.Ok({"show", a});
  t.Ok({"list"});
  t.Ok({"find", "--kind", "id", "431021199708220513"});
  CHECK(t.Cmd({"show", std::string(32, '0')}).exit_code == 3);  // nothing shown: no entry

  HubProcess back(kHub, dir.Sub("hub.db"));
  REQUIRE(back.Start());
  auto synced = t.Ok({"sync", "--hub", back.url()});
  CHECK(synced.out.find("5 views logged") != std::string::npos);

  auto shown = HubOk(back, {"--lang", "en", "audit", "show", "--entity", a});
  CHECK(shown.out.find("2 entries") != std::string::npos);
  CHECK(Count(shown.out, "A1001 (officer)  " + t.device + "  read  record:" + a) == 2);
  auto json = HubOk(back, {"audit", "show", "--entity", "record:" + b, "--json"});
  CHECK(Count(json.out, "\n") == 1);
  CHECK(json.out.find(R"("chain":"device:)" + t.device + "\"") != std::string::npos);
  CHECK(json.out.find(R"("actor":"A1001")") != std::string::npos);
  CHECK(json.out.find(R"("device":")" + t.device + "\"") != std::string::npos);
  CHECK(json.out.find(R"("history":"all")") != std::string::npos);
  CHECK(std::regex_search(json.out, std::regex(R"("at_ms":1[0-9]{12},)")));
  auto by_officer = HubOk(back, {"audit", "show", "--actor", "A1001", "--json"});
  CHECK(Count(by_officer.out, "\n") == 5);
  CHECK(by_officer.out.find(R"("entity":"list:records")") != std::string::npos);
  CHECK(by_officer.out.find(R"("entity":"list:find")") != std::string::npos);
  CHECK(by_officer.out.find("431021199708220513") == std::string::npos);  // never in clear

  // A second sync ships nothing twice, in the one round trip of a no-op sync.
  auto again = t.Ok({"sync", "--hub", back.url()});
  CHECK(again.out.find("views logged") == std::string::npos);
  CHECK(again.out.find("1 round trips") != std::string::npos);
  CHECK(Count(HubOk(back, {"audit", "show", "--actor", "A1001", "--json"}).out, "\n") == 5);
  t.Ok({"show", b});
  CHECK(t.Ok({"sync", "--hub", back.url()}).out.find("1 views logged") != std::string::npos);
  CHECK(Count(HubOk(back, {"audit", "show", "--actor", "A1001", "--json"}).out, "\n") == 6);
  CHECK(t.Ok({"verify"}).out.find("OK") != std::string::npos);

  // Who looked at this person: the tablet's views of the records naming it.
  HubOk(back, {"merge"});
  auto person = HubOk(back, {"--lang", "en", "audit", "show", "--entity", a + "/occupants[0]"});
  CHECK(Count(person.out, "read  record:" + a) == 2);

  auto ok = HubOk(back, {"--lang", "en", "audit", "verify"});
  CHECK(ok.out.find("audit log OK") != std::string::npos);
  if (!std::filesystem::exists(kSqlite)) {
    WARN("no " << kSqlite << " (Debian package sqlite3): tampering not tried");
    return;
  }
  const std::string chain = "device:" + t.device;
  auto sql = [&](const std::string& q) {
    auto r = Run({kSqlite, dir.Sub("hub.db"), q});
    INFO(q << ": " << r.err);
    REQUIRE(r.exit_code == 0);
  };
  sql("UPDATE audit SET entity='record:" + b + "' WHERE chain='" + chain + "' AND seq=3");
  auto altered = back.Admin({"--lang", "en", "audit", "verify"});
  CHECK(altered.exit_code == 4);
  CHECK(altered.out.find(chain + " seq 3 (altered)") != std::string::npos);
  CHECK(altered.err.find("hash mismatch at " + chain + " seq 3") != std::string::npos);
  sql("UPDATE audit SET entity='record:" + a + "' WHERE chain='" + chain + "' AND seq=3");
  CHECK(back.Admin({"audit", "verify"}).exit_code == 0);
  sql("DELETE FROM audit WHERE chain='" + chain + "' AND seq=2");
  auto removed = back.Admin({"--lang", "en", "audit", "verify"});
  CHECK(removed.exit_code == 4);
  CHECK(removed.out.find(chain + " seq 2 (removed)") != std::string::npos);
}

TEST_CASE(
    "views: a watchlist hit is logged by the entry's keyed hash, a revoked tablet refused") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  Tablet t{dir.Sub("t1"), ""};
  auto init = t.Ok(
      {"init", "--officer", "A1001", "--name", "王建国", "--kdf-ops", "1", "--kdf-mem-mib", "8"});
  std::smatch id;
  REQUIRE(std::regex_search(init.out, id, std::regex("device ([0-9a-f]{32})")));
  t.device = id[1];
  t.Ok({"enroll", "--hub", hub.url(), "--code", hub.NewCode("A1001")});
  HubOk(hub,
        {"watchlist", "add", "--kind", "phone", "+86 139 0735 1862", "--note", "稳住并联系所里"});
  t.Ok({"sync"});
  std::string body =
      R"({"unitStatus":"UNIT_STATUS_CHECKED","address":{"raw":"国庆北路18号3栋2单元502室"},
    "occupants":[{"name":"周雨桐","phone":"13907351862"}]})";
  auto rec = t.Ok({"record", "rental-check", "--json", "-"}, kPin + body);
  CHECK(rec.out.find("WATCHLIST HIT") != std::string::npos);
  CHECK(t.Ok({"sync"}).out.find("1 views logged") != std::string::npos);
  auto json = HubOk(hub, {"audit", "show", "--actor", "A1001", "--json"});
  std::smatch m;
  REQUIRE(std::regex_search(json.out, m, std::regex(R"re("entity":"watchlist:([0-9a-f]{64})")re")));
  CHECK(json.out.find("13907351862") == std::string::npos);
  if (std::filesystem::exists(kSqlite)) {  // the hub's own key for that entry
    auto key = Run({kSqlite, dir.Sub("hub.db"), "SELECT key FROM feed WHERE kind='watchlist'"});
    CHECK(key.out == std::string(m[1]) + "\n");
  }

  // Revoked: the views are refused like a push, and the tablet wipes itself
  // (here the view log is the sync's first request: nothing to push).
  HubOk(hub, {"revoke", t.device, "--reason", "reported lost"});
  t.Ok({"list"});
  auto refused = t.Cmd({"sync"});
  CHECK(refused.exit_code == 8);
  CHECK(Count(HubOk(hub, {"audit", "show", "--actor", "A1001", "--json"}).out, "\n") == 1);
  CHECK(HubOk(hub, {"alerts"}).out.find("revoked_contact") != std::string::npos);
}

namespace {

// A tablet's store enrolled with a real hub, to craft "views" requests
// that are validly signed and then broken in one way each.
struct Crafted {
  TempDir dir;
  HubProcess hub{kHub, dir.Sub("hub.db")};
  std::unique_ptr<sweep::field::Store> store;
  std::unique_ptr<httplib::Client> http;

  Crafted() {
    REQUIRE(hub.Start());
    sweep::field::InitOptions opt;
    opt.officer_id = "A1001";
    opt.officer_name = "王建国";
    opt.kdf.ops_limit = 1;
    opt.kdf.mem_limit = 8 << 20;
    REQUIRE(sweep::field::Store::Create(dir.Sub("t"), opt, "246810", sweep::Env::Default()).ok());
    auto s = sweep::field::Store::Open(dir.Sub("t"), sweep::Env::Default());
    REQUIRE(s.ok());
    store = std::move(s).value();
    REQUIRE(store->Unlock("A1001", "246810").ok());
    auto transport = sweep::field::NewHttpTransport(hub.url(), {});
    REQUIRE(transport.ok());
    REQUIRE(
        sweep::field::Enroll(store.get(), transport->get(), hub.url(), hub.NewCode("A1001"), "t")
            .ok());
    http = std::make_unique<httplib::Client>(hub.url());
  }

  // Signs and posts `req`; returns the HTTP status, the error code (if
  // any) and the answer (on 200).
  struct Answer {
    int status = 0;
    std::string code;
    sweep::v1::ViewsResponse views;
  };
  Answer Post(const sweep::v1::ViewsRequest& req) {
    auto env = store->SignRequest("views", req);
    REQUIRE(env.ok());
    auto res = http->Post("/v1/views", env->SerializeAsString(), "application/x-protobuf");
    REQUIRE(res);
    sweep::v1::SignedResponse signed_res;
    REQUIRE(signed_res.ParseFromString(res->body));
    Answer a{res->status, "", {}};
    if (res->status == 200) {
      REQUIRE(a.views.ParseFromString(signed_res.body()));
    } else {
      sweep::v1::Error e;
      REQUIRE(e.ParseFromString(signed_res.body()));
      a.code = e.code();
      INFO(e.message());
      CHECK(!e.message().empty());
    }
    return a;
  }
  sweep::v1::ViewsRequest Batch(uint64_t after) {
    auto batch = store->ViewsToShip(after, 1000);
    REQUIRE(batch.ok());
    sweep::v1::ViewsRequest req;
    for (const auto& e : batch->entries) *req.add_entries() = e;
    req.set_head_sig(std::string(batch->head_sig.begin(), batch->head_sig.end()));
    return req;
  }
  size_t Stored() {
    auto r = hub.Admin({"audit", "show", "--actor", "A1001", "--json"});
    return Count(r.out, "\n");
  }
};

void Rehash(sweep::v1::AuditEntry* e) {
  auto h = sweep::sync::AuditHash(*e);
  e->set_hash(std::string(h.begin(), h.end()));
}

}  // namespace

TEST_CASE("views: hostile view logs are refused, duplicates stored once, a fork alerted") {
  Crafted c;
  REQUIRE(c.store->LogViews({"record:a", "record:b", "record:c"}).ok());
  const auto first = c.Batch(0);
  using E = std::pair<int, std::string>;
  auto refused = [&](const sweep::v1::ViewsRequest& req) {
    auto a = c.Post(req);
    return E{a.status, a.code};
  };

  SECTION("broken in one way each, nothing is stored") {
    auto r = first;
    r.mutable_entries(1)->set_entity("record:x");  // the hash no longer matches
    CHECK(refused(r) == E{422, "broken_chain"});
    r = first;
    r.mutable_entries(1)->set_entity("record:x");
    Rehash(r.mutable_entries(1));  // then entry 3 no longer links
    CHECK(refused(r) == E{422, "broken_chain"});
    r = first;
    r.clear_head_sig();
    CHECK(refused(r) == E{422, "unsigned_tail"});
    r = first;
    r.set_head_sig(std::string(64, '\x01'));
    CHECK(refused(r) == E{422, "broken_chain"});
    r = first;
    r.mutable_entries(0)->set_chain("device:" + std::string(32, 'f'));
    r.mutable_entries(0)->set_device(std::string(32, 'f'));
    Rehash(r.mutable_entries(0));
    CHECK(refused(r) == E{422, "broken_chain"});
    r = first;
    r.mutable_entries(0)->set_action("merge");
    Rehash(r.mutable_entries(0));
    CHECK(refused(r) == E{422, "broken_chain"});
    r = first;
    r.mutable_entries(0)->set_actor_role("admin");
    Rehash(r.mutable_entries(0));
    CHECK(refused(r) == E{422, "broken_chain"});
    r = first;
    r.mutable_entries(2)->set_seq(9);
    CHECK(refused(r) == E{400, "malformed"});
    r = first;
    r.mutable_entries(0)->set_detail(std::string(5000, 'x'));
    CHECK(refused(r) == E{400, "malformed"});
    sweep::v1::ViewsRequest big;
    for (int i = 0; i < 1001; ++i) *big.add_entries() = first.entries(0);
    CHECK(refused(big) == E{413, "too_large"});
    sweep::v1::ViewsRequest later;  // starts after the hub's head + 1
    *later.add_entries() = first.entries(1);
    later.set_head_sig(first.head_sig());
    CHECK(refused(later) == E{409, "gap"});
    CHECK(c.Stored() == 0);
    auto empty = c.Post(sweep::v1::ViewsRequest());
    CHECK(empty.status == 200);
    CHECK(empty.views.acked_seq() == 0);
    CHECK(empty.views.acked_hash() == std::string(32, '\0'));
  }

  SECTION("a resend is acknowledged, not stored twice; a different entry is a fork") {
    auto ok = c.Post(first);
    REQUIRE(ok.status == 200);
    CHECK(ok.views.accepted() == 3);
    CHECK(ok.views.acked_seq() == 3);
    CHECK(ok.views.acked_hash() == first.entries(2).hash());
    auto again = c.Post(first);  // the answer was lost: sent again as it was
    REQUIRE(again.status == 200);
    CHECK(again.views.accepted() == 0);
    CHECK(again.views.duplicates() == 3);
    CHECK(c.Stored() == 3);
    // Duplicates followed by new entries: only the new ones are stored.
    REQUIRE(c.store->LogView("record:d").ok());
    auto more = c.Post(c.Batch(0));
    REQUIRE(more.status == 200);
    CHECK(more.views.duplicates() == 3);
    CHECK(more.views.accepted() == 1);
    CHECK(c.Stored() == 4);
    // The same seq with other content, consistently re-hashed: a fork.
    auto fork = first;
    fork.mutable_entries(2)->set_entity("record:z");
    Rehash(fork.mutable_entries(2));
    CHECK(refused(fork) == E{409, "fork"});
    CHECK(c.hub.Admin({"alerts"}).out.find("view log: a different entry was sent for seq 3") !=
          std::string::npos);
    CHECK(c.Stored() == 4);
    auto verify = c.hub.Admin({"audit", "verify"});
    INFO(verify.out << verify.err);
    CHECK(verify.exit_code == 0);
  }
}
