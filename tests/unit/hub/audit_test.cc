// The hub's audit log (issue 7 item 3, docs/hub-storage.md "Audit log"):
// every dashboard read of a person, den, list, graph, review item or photo
// and every decision over real HTTP leaves exactly one entry naming its
// entity; tampering with the SQLite file directly (an edited detail, a
// deleted row, two rows' seq swapped, a renumbered tail, a re-hashed entry,
// a cut-off tail against a noted head) is detected and located; two store
// handles appending from two threads keep one valid chain; ForEntity answers
// who, when and from which device; a version 5 file is migrated.
#include "../../../hub/src/sqlite_hub_store.h"  // kHubSchemaVersion
#include "sweep//hub/audit.h"

#include <thread>

#include "dashboard_fixture.h"
#include "sweep/sync/sqlite.h"

using namespace sweep;
using namespace sweep::hub;
using namespace sweep::testing;

namespace {

std::vector<v1::AuditEntry> All(HubStore* store) {
  auto all = store->FindAudit({});
  INFO(all.status().ToString());
  REQUIRE(all.ok());
  return *all;
}

VerifyReport VerifyLog(HubStore* store, Env* env,
                       const std::optional<AuditAnchor>& anchor = std::nullopt) {
  auto r = AuditLog(store, env).Verify(anchor);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

// A log of `n` entries in a new file; the file's path.
std::string LogOf(const TempDir& dir, const std::string& name, int n, FakeEnv* env) {
  const std::string path = dir.Sub(name);
  auto store = OpenHubStore(path);
  AuditLog log(store.get(), env);
  for (int i = 1; i <= n; ++i) {
    env->Advance(1000);
    REQUIRE(log.Append({"S9001", "supervisor", "hub"}, "read", "person:P" + std::to_string(i),
                       AuditDetail({{"n", std::to_string(i)}}))
                .ok());
  }
  return path;
}

void Tamper(const std::string& path, const std::string& sql) {
  auto db = sql::Db::Open(path, false);
  REQUIRE(db.ok());
  Status st = (*db)->Exec(sql);
  INFO(st.ToString());
  REQUIRE(st.ok());
}

// The first column of the first row `sql` answers, as text.
std::string FirstValue(const std::string& path, const std::string& sql) {
  auto db = sql::Db::Open(path, false);
  REQUIRE(db.ok());
  auto st = (*db)->Prepare(sql);
  REQUIRE(st.ok());
  auto row = st->Step();
  REQUIRE(row.ok());
  return *row ? st->Text(0) : "";
}

void CheckProblem(const std::string& path, FakeEnv* env, const std::string& kind, uint64_t seq,
                  const std::optional<AuditAnchor>& anchor = std::nullopt) {
  auto store = OpenHubStore(path);
  VerifyReport r = VerifyLog(store.get(), env, anchor);
  REQUIRE_FALSE(r.ok());
  INFO(r.problem->message);
  CHECK(r.problem->kind == kind);
  CHECK(r.problem->seq == seq);
  CHECK(r.problem->chain == "hub");
}

}  // namespace

TEST_CASE("audit: every dashboard read and decision adds exactly one entry", "[audit]") {
  Hub hub;
  const std::string photo = hub.StorePhoto();
  hub.PushDen("den1", kT0, {photo});
  hub.PushReviewPair();
  hub.CatchUp();
  REQUIRE(All(hub.store()).empty());

  // One request, then exactly one new entry: its action, entity and actor.
  size_t seen = 0;
  auto expect = [&](const Answer& answer, const std::string& action, const std::string& entity,
                    const std::string& actor = "S9001") {
    INFO(action << " " << entity << ": " << answer.body);
    auto all = All(hub.store());
    REQUIRE(all.size() == seen + 1);
    seen = all.size();
    const v1::AuditEntry& e = all.back();
    CHECK(e.seq() == seen);
    CHECK(e.action() == action);
    CHECK(e.entity() == entity);
    CHECK(e.actor() == actor);
    CHECK(e.device() == "hub");
    CHECK(e.at_ms() == hub.env.now_ms);
    return e;
  };
  auto none = [&](const Answer& answer) {
    INFO(answer.body);
    CHECK(All(hub.store()).size() == seen);
  };

  expect(hub.Login("S9001", "not the password at all"), "sign_in_failed", "user:S9001");
  auto s = hub.SignIn();
  CHECK(expect({}, "sign_in", "user:S9001").actor_role() == "supervisor");

  auto dens = Parse<v1::DashDens>(hub.Get("/dash/api/dens", s.cookie));
  REQUIRE(dens.dens_size() >= 1);
  CHECK(expect({}, "read", "list:dens").detail() == R"({"status":""})");
  const v1::DashDenSummary den = dens.dens(0);
  const std::string key_q = httplib::detail::encode_query_param(den.key());
  expect(hub.Get("/dash/api/den?key=" + key_q, s.cookie), "read", "premises:" + den.key());
  expect(hub.Get("/dash/api/photo?sha256=" + photo, s.cookie), "read", "photo:" + photo);
  auto suspects = Parse<v1::DashPersons>(hub.Get("/dash/api/suspects?q=曹", s.cookie));
  REQUIRE(suspects.persons_size() == 1);
  CHECK(expect({}, "read", "list:suspects").detail() == R"({"q":"曹"})");
  const v1::DashPersonSummary p = suspects.persons(0);
  expect(hub.Get("/dash/api/person?entity=" + p.entity(), s.cookie), "read",
         "person:" + p.entity());
  expect(hub.Get("/dash/api/graph?node=person:" + p.entity(), s.cookie), "read",
         "person:" + p.entity());
  auto review = Parse<v1::DashReview>(hub.Get("/dash/api/review", s.cookie));
  REQUIRE(review.items_size() >= 1);
  expect({}, "read", "list:review");

  // Not personal, refused or failed: nothing.
  none(hub.Get("/dash/api/report", s.cookie));
  none(hub.Get("/dash/api/codes", s.cookie));
  none(hub.Get("/dash/api/den?key=nothing-here", s.cookie));
  none(hub.Get("/dash/api/person", s.cookie));

  // Decisions.
  auto st = expect(
      hub.Post(s, "/dash/api/den/status",
               R"({"key":")" + den.key() + R"(","to":"investigating","reason":"raid planned",)" +
                   R"("baseVersion":")" + std::to_string(den.version()) + R"("})"),
      "den_status", "premises:" + den.key());
  CHECK(st.detail() == R"({"from":"suspected","to":"investigating","reason":"raid planned"})");
  none(hub.Post(s, "/dash/api/den/status",  // a stale version: 409, nothing stored
                R"({"key":")" + den.key() + R"(","to":"raided","reason":"x","baseVersion":"0"})"));
  expect(hub.Post(s, "/dash/api/person/disposition",
                  R"({"entity":")" + p.entity() +
                      R"(","code":"detained","reason":"caught on site","baseVersion":")" +
                      std::to_string(p.version()) + R"("})"),
         "disposition", "person:" + p.entity());
  const auto item = review.items(0);
  Answer decided =
      hub.Post(s, "/dash/api/review/decide",
               R"({"verdict":"same","a":")" + item.a() + R"(","b":")" + item.b() + R"("})");
  auto merged = Parse<v1::DashDecided>(decided);
  REQUIRE(merged.changed_entities_size() == 1);
  expect(decided, "merge", "person:" + merged.changed_entities(0));
  expect(hub.Post(s, "/dash/api/devices/enroll", R"({"officerId":"A2002"})"), "enroll",
         "officer:A2002");
  CHECK(expect(hub.Post(s, "/dash/api/devices/revoke", R"({"deviceId":"dev-a","reason":"lost"})"),
               "revoke", "device:dev-a")
            .detail() == R"({"reason":"lost"})");
  none(hub.Post(s, "/dash/api/devices/revoke", R"({"deviceId":"nope"})"));

  // A regulator's refused read leaves no read, but one "denied" entry
  // naming the person asked for.
  auto r = hub.SignIn("R3001", kRegulatorPassword);
  expect({}, "sign_in", "user:R3001", "R3001");
  expect(hub.Get("/dash/api/person?entity=" + p.entity(), r.cookie), "denied",
         "person:" + p.entity(), "R3001");

  VerifyReport report = VerifyLog(hub.store(), &hub.env);
  CHECK(report.ok());
  CHECK(report.count == seen);
  CHECK(report.head_seq == seen);
  CHECK(report.head_hash.size() == 64);
}

TEST_CASE("audit: tampering with the file is detected and the first bad entry named", "[audit]") {
  TempDir dir;
  FakeEnv env;
  {
    auto store = OpenHubStore(LogOf(dir, "clean.db", 6, &env));
    VerifyReport r = VerifyLog(store.get(), &env);
    CHECK(r.ok());
    CHECK(r.count == 6);
  }
  struct Case {
    const char* what;
    std::string sql;
    const char* kind;
    uint64_t seq;
  };
  const std::vector<Case> cases = {
      {"a detail edited", R"(UPDATE audit SET detail='{"n":"9"}' WHERE seq=3)", "altered", 3},
      {"the actor edited", "UPDATE audit SET actor='nobody' WHERE seq=5", "altered", 5},
      {"a row deleted: the gap", "DELETE FROM audit WHERE seq=4", "removed", 4},
      {"the first row deleted", "DELETE FROM audit WHERE seq=1", "removed", 1},
      {"a row deleted, the later ones renumbered",
       "DELETE FROM audit WHERE seq=4; UPDATE audit SET seq=seq+100 WHERE seq>4;"
       " UPDATE audit SET seq=seq-101 WHERE seq>100",
       "removed", 4},
      {"two rows' seq swapped",
       "UPDATE audit SET seq=-1 WHERE seq=2; UPDATE audit SET seq=2 WHERE seq=3;"
       " UPDATE audit SET seq=3 WHERE seq=-1",
       "reordered", 2},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO(cases[i].what);
    auto path = LogOf(dir, "t" + std::to_string(i) + ".db", 6, &env);
    Tamper(path, cases[i].sql);
    CheckProblem(path, &env, cases[i].kind, cases[i].seq);
  }
  SECTION("an entry altered and re-hashed: the next one no longer chains to it") {
    auto path = LogOf(dir, "t.db", 6, &env);
    {
      auto store = OpenHubStore(path);
      auto all = All(store.get());
      v1::AuditEntry e = all[2];
      e.set_detail(R"({"n":"9"})");
      const std::string h = crypto::ToHex(AuditHash(e));
      Tamper(path, R"(UPDATE audit SET detail='{"n":"9"}', hash=x')" + h + "' WHERE seq=3");
    }
    CheckProblem(path, &env, "removed", 4);
  }
  SECTION("the tail cut off: invisible alone, found against the noted head") {
    auto path = LogOf(dir, "t.db", 6, &env);
    AuditAnchor head;
    {
      auto store = OpenHubStore(path);
      VerifyReport r = VerifyLog(store.get(), &env);
      auto parsed = ParseAuditAnchor(std::to_string(r.head_seq) + ":" + r.head_hash);
      REQUIRE(parsed.ok());
      head = *parsed;
      CHECK(VerifyLog(store.get(), &env, head).ok());
    }
    Tamper(path, "DELETE FROM audit WHERE seq>=5");
    {
      auto store = OpenHubStore(path);
      CHECK(VerifyLog(store.get(), &env).ok());  // what a hash chain alone cannot see
    }
    CheckProblem(path, &env, "removed", 5, head);
  }
  CHECK_FALSE(ParseAuditAnchor("6").ok());
  CHECK_FALSE(ParseAuditAnchor("x:" + std::string(64, 'a')).ok());
}

TEST_CASE("audit: two store handles appending from two threads keep one valid chain", "[audit]") {
  TempDir dir;
  const std::string path = dir.Sub("hub.db");
  auto first = OpenHubStore(path);
  auto second = OpenHubStore(path);
  constexpr int kEach = 60;
  // Catch2's assertions are not thread-safe: each thread keeps its first failure.
  auto append = [&](HubStore* store, const std::string& who, Status* failed) {
    FakeEnv env;
    AuditLog log(store, &env);
    for (int i = 0; i < kEach && failed->ok(); ++i) {
      *failed = log.Append({who, "operator", "cli"}, "read", "person:P" + std::to_string(i));
    }
  };
  Status failed1, failed2;
  std::thread t1(append, first.get(), "one", &failed1);
  std::thread t2(append, second.get(), "two", &failed2);
  t1.join();
  t2.join();
  INFO(failed1.ToString() << " / " << failed2.ToString());
  REQUIRE(failed1.ok());
  REQUIRE(failed2.ok());
  FakeEnv env;
  VerifyReport r = VerifyLog(first.get(), &env);
  INFO((r.problem ? r.problem->message : ""));
  CHECK(r.ok());
  CHECK(r.count == 2 * kEach);
  auto all = All(second.get());
  REQUIRE(all.size() == 2 * kEach);
  for (size_t i = 0; i < all.size(); ++i) CHECK(all[i].seq() == i + 1);
}

TEST_CASE("audit: who looked at an entity: when and from which device", "[audit]") {
  TempDir dir;
  FakeEnv env;
  auto store = OpenHubStore(dir.Sub("hub.db"));
  AuditLog log(store.get(), &env);
  REQUIRE(log.Append({"S9001", "supervisor", "hub"}, "read", "person:P7").ok());
  env.Advance(60'000);
  REQUIRE(log.Append({"wang", "operator", "cli"}, "read", "person:P8").ok());
  env.Advance(60'000);
  REQUIRE(log.Append({"wang", "operator", "cli"}, "disposition", "person:P7",
                     AuditDetail({{"code", "detained"}, {"reason", "说明\"引号\""}}))
              .ok());
  auto seen = log.ForEntity("person:P7");
  REQUIRE(seen.ok());
  REQUIRE(seen->size() == 2);
  CHECK((*seen)[0].actor() == "S9001");
  CHECK((*seen)[0].device() == "hub");
  CHECK((*seen)[0].at_ms() == env.now_ms - 120'000);
  CHECK((*seen)[1].actor() == "wang");
  CHECK((*seen)[1].device() == "cli");
  CHECK((*seen)[1].action() == "disposition");
  CHECK((*seen)[1].detail() == R"({"code":"detained","reason":"说明\"引号\""})");
  auto bare = log.ForEntity("P7");  // any kind
  REQUIRE(bare.ok());
  CHECK(bare->size() == 2);
  AuditQuery q;
  q.actor = "wang";
  q.since_ms = env.now_ms - 1;
  auto recent = log.Find(q);
  REQUIRE(recent.ok());
  REQUIRE(recent->size() == 1);
  CHECK(recent->front().entity() == "person:P7");
  auto head = log.Head();
  REQUIRE(head.ok());
  REQUIRE(head->has_value());
  CHECK((*head)->seq() == 3);
}

TEST_CASE("audit: a version 5 database is migrated to version 6 with an empty log", "[audit]") {
  TempDir dir;
  const std::string path = dir.Sub("hub.db");
  { auto store = OpenHubStore(path); }
  Tamper(path, "DROP TABLE audit; UPDATE meta SET value='5' WHERE key='schema_version'");
  auto store = OpenHubStore(path);
  FakeEnv env;
  REQUIRE(AuditLog(store.get(), &env).Append({"S1", "admin", "cli"}, "read", "list:dens").ok());
  CHECK(VerifyLog(store.get(), &env).count == 1);
  CHECK(FirstValue(path, "SELECT value FROM meta WHERE key='schema_version'") == std::to_string(sweep::hub::kHubSchemaVersion));
}
