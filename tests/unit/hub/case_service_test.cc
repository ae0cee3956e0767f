// CaseService over a real SQLite store: supervisors' edits are stored with
// their base version; two edits on one version load as a conflict that a
// later edit resolves; the derived watchlist appends only its changes,
// changes levels, tombstones what is no longer derived and never touches an
// entry added by hand; disposition codes are checked; a version 3 file
// migrates to version 4.
#include "../../../hub/src/sqlite_hub_store.h"  // kHubSchemaVersion
#include "sweep//hub/case_service.h"

#include "ledger_fixture.h"
#include "sweep/sync/protocol.h"
#include "sweep/sync/sqlite.h"

using namespace sweep;
using namespace sweep::hub;
using namespace sweep::testing;

namespace {

const std::string kDen = "北湖区国庆北路社区国庆北路18号3栋2单元502";
const std::string kIdA = "431021199708220513";
const std::string kIdB = "430111199906050262";
const std::string kIdC = "450103200101170733";
constexpr int64_t kT0 = 1'764'300'000'000;

struct Fixture {
  TempDir dir;
  FakeEnv env;
  std::unique_ptr<HubStore> store = OpenHubStore(dir.Sub("hub.db"));
  CaseService cases{store.get(), &env};
  Bytes watch_key = Bytes(32, 0x5A);

  Fixture() {
    RegisterService reg(store.get(), &env);
    SetDefaultDivision(&reg, "431002");
    EnrollDevice(store.get(), "dev-a", "A1001", 1);
    HubKeys k;
    k.hub_id = std::string(32, 'a');
    k.sign_pk = Bytes(32, 1);
    k.sign_sk = Bytes(64, 2);
    k.box_pk = Bytes(32, 3);
    k.box_sk = Bytes(32, 4);
    k.watchlist_key = watch_key;
    REQUIRE(store->SaveHubKeys(k).ok());
  }
  // A den: strong indicator, the given occupants present.
  void PushDen(uint64_t version, const std::vector<Occupant>& occupants) {
    PushRecords(store.get(), "dev-a",
                {RentalVisit("den1", version, "A1001", kDen, v1::UNIT_STATUS_CHECKED,
                             kT0 + static_cast<int64_t>(version), occupants, {"many_sim_cards"})});
  }
  cases::CaseView Load() {
    auto v = cases.Load();
    INFO(v.status().ToString());
    REQUIRE(v.ok());
    return *v;
  }
  std::string DenKey() {
    auto view = Load();
    REQUIRE(view.premises.size() == 1);
    return view.premises.begin()->first;
  }
  cases::CaseView SetDen(const std::string& by, const std::string& status,
                         std::optional<uint64_t> base = std::nullopt) {
    env.Advance(1000);
    v1::CaseUpdate u;
    u.mutable_address()->set_raw(kDen);
    u.set_den_status(status);
    u.set_reason("supervisor decision");
    if (base) u.set_subject_version(*base);
    auto v = cases.Edit(by, u, base.has_value());
    INFO(v.status().ToString());
    REQUIRE(v.ok());
    return *v;
  }
  WatchlistPublishStats Publish() {
    auto s = cases.PublishWatchlist(Load());
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    return *s;
  }
  std::string KeyOf(const std::string& id) {
    auto key = crypto::SecretBuffer::CopyOf(watch_key);
    return crypto::ToHex(sync::WatchHash(key, "id", id));
  }
  // What a tablet holds after pulling everything, by key.
  std::map<std::string, v1::WatchlistEntry> Tablet() {
    std::map<std::string, v1::WatchlistEntry> out;
    for (const auto& [kk, item] : TabletView(store.get(), "A1001")) {
      if (kk.first == "watchlist") out[kk.second] = ParsePayload<v1::WatchlistEntry>(item);
    }
    return out;
  }
  // `sweep-hub watchlist add` as HubService::WatchlistAdd stores it.
  void AddByHand(const std::string& id, const std::string& note) {
    v1::WatchlistEntry e;
    e.set_kind("id");
    auto hash = crypto::FromHex(KeyOf(id));
    REQUIRE(hash.ok());
    e.set_hash(std::string(hash->begin(), hash->end()));
    e.set_level("alert");
    e.set_note(note);
    std::string payload = e.SerializeAsString();
    REQUIRE(store
                ->AppendFeed({0, "all", "watchlist", KeyOf(id), false,
                              Bytes(payload.begin(), payload.end())})
                .ok());
  }
};

const cases::Conflict* ConflictOf(const cases::CaseView& view, const std::string& subject) {
  for (const auto& k : view.conflicts) {
    if (k.subject == subject && k.field == "den_status") return &k;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("cases: edits are stored with their base version: concurrent ones conflict") {
  Fixture f;
  f.PushDen(1, {{"曹宇航", kIdA}});
  std::string key = f.DenKey();
  auto view = f.Load();
  CHECK(view.premises.at(key).status == cases::DenStatus::kSuspected);
  uint64_t base = view.premises.at(key).version;

  view = f.SetDen("S9001", "investigating");  // base: the current version
  auto edits = f.store->ListCaseEdits();
  REQUIRE(edits.ok());
  REQUIRE(edits->size() == 1);
  CHECK(edits->at(0).by == "S9001");
  CHECK(edits->at(0).update.subject_version() == base);
  CHECK(edits->at(0).update.decided_at_ms() == f.env.now_ms);
  CHECK(view.premises.at(key).status == cases::DenStatus::kInvestigating);
  CHECK(ConflictOf(view, "premises:" + key) == nullptr);

  // A second supervisor worked on the same version: both kept, flagged.
  f.SetDen("S9002", "raided", base);
  CaseService fresh(f.store.get(), &f.env);  // what another process loads
  auto loaded = fresh.Load();
  REQUIRE(loaded.ok());
  const cases::Conflict* k = ConflictOf(*loaded, "premises:" + key);
  REQUIRE(k != nullptr);
  CHECK_FALSE(k->resolved);
  CHECK(k->base_version == base);
  REQUIRE(k->values.size() == 2);
  CHECK(k->values.front().value == "raided");  // the later decision wins meanwhile
  CHECK(loaded->premises.at(key).status == cases::DenStatus::kRaided);

  // A later change (on the current version) resolves it.
  view = f.SetDen("S9001", "cleared");
  k = ConflictOf(view, "premises:" + key);
  REQUIRE(k != nullptr);
  CHECK(k->resolved);
  CHECK(view.premises.at(key).status == cases::DenStatus::kCleared);
  CHECK(f.store->ListCaseEdits()->size() == 3);
}

TEST_CASE("cases: an edit that CheckEdit refuses is not stored") {
  Fixture f;
  f.PushDen(1, {{"曹宇航", kIdA}});
  v1::CaseUpdate u;
  u.mutable_address()->set_raw(kDen);
  u.set_den_status("raided");  // no reason
  CHECK(f.cases.Edit("S9001", u, false).status().code() == Code::kInvalidArgument);
  u.set_reason("why");
  CHECK_FALSE(f.cases.Edit("", u, false).ok());                    // nobody
  u.mutable_address()->set_raw("北湖区燕泉路社区燕泉小区1栋301");  // never visited
  CHECK_FALSE(f.cases.Edit("S9001", u, false).ok());
  CHECK(f.store->ListCaseEdits()->empty());
}

TEST_CASE("cases: the derived watchlist appends only changes and keeps manual entries") {
  Fixture f;
  f.AddByHand(kIdC, "manual C");  // by hand before the case file knew C
  f.PushDen(1, {{"曹宇航", kIdA}, {"蒋雨欣", kIdB}, {"韦俊豪", kIdC}});

  auto first = f.Publish();
  CHECK(first.entries == 3);
  CHECK(first.added == 2);  // A and B; C stays the hand-made entry
  auto tablet = f.Tablet();
  REQUIRE(tablet.size() == 3);
  CHECK(tablet.at(f.KeyOf(kIdA)).level() == "notice");  // den occupant only
  CHECK(tablet.at(f.KeyOf(kIdC)).note() == "manual C");

  auto again = f.Publish();  // nothing changed: nothing appended
  CHECK(again.added == 0);
  CHECK(again.removed == 0);
  size_t feed = WholeFeed(f.store.get(), {"all"}).size();

  // A detained: the level changes (a suspect stays a suspect).
  v1::CaseUpdate u;
  u.set_person_id_number(kIdA);
  u.add_dispositions()->set_code("detained");
  u.set_reason("刑事拘留");
  auto edited = f.cases.Edit("S9001", u, false);
  INFO(edited.status().ToString());
  REQUIRE(edited.ok());
  auto changed = f.Publish();
  CHECK(changed.added == 1);
  CHECK(WholeFeed(f.store.get(), {"all"}).size() == feed + 1);
  CHECK(f.Tablet().at(f.KeyOf(kIdA)).level() == "alert");

  // B is added by hand too (after the derived entry); then nobody is an
  // occupant any more: A is tombstoned, B and C stay as the hand-made ones.
  f.AddByHand(kIdB, "manual B");
  f.PushDen(2, {});
  auto gone = f.Publish();
  CHECK(gone.removed == 1);
  tablet = f.Tablet();
  CHECK(tablet.count(f.KeyOf(kIdA)) == 0);
  REQUIRE(tablet.count(f.KeyOf(kIdB)) == 1);
  CHECK(tablet.at(f.KeyOf(kIdB)).note() == "manual B");
  CHECK(tablet.at(f.KeyOf(kIdC)).note() == "manual C");
  auto rows = f.store->ListDerivedWatchlist();
  REQUIRE(rows.ok());
  CHECK(rows->empty());
}

TEST_CASE("cases: disposition codes are checked and stored") {
  Fixture f;
  auto options = f.cases.Options();
  REQUIRE(options.ok());
  CHECK(options->address.default_division == "431002");
  auto codes = options->dispositions;
  CHECK_FALSE(codes.empty());
  codes.push_back({"sim_suspended", "停机", "SIM suspended", "person", "notice"});
  REQUIRE(f.cases.SetDispositionCodes(codes).ok());
  auto again = f.cases.Options();
  REQUIRE(again.ok());
  REQUIRE(again->dispositions.size() == codes.size());
  CHECK(again->dispositions.back().zh == "停机");

  for (cases::DispositionCode bad : {
           cases::DispositionCode{"Bad-Code", "坏", "bad", "person", ""},
           cases::DispositionCode{"ok_code", "", "x", "person", ""},
           cases::DispositionCode{"ok_code", "好", "x", "room", ""},
           cases::DispositionCode{"ok_code", "好", "x", "person", "urgent"},
       }) {
    auto list = codes;
    list.push_back(bad);
    CHECK(f.cases.SetDispositionCodes(list).code() == Code::kInvalidArgument);
  }
  auto dup = codes;
  dup.push_back(codes.front());
  CHECK(f.cases.SetDispositionCodes(dup).code() == Code::kAlreadyExists);
  CHECK(f.cases.Options()->dispositions.size() == codes.size());  // unchanged
}

TEST_CASE("cases: a version 3 database is migrated in place to version 4") {
  TempDir dir;
  std::string path = dir.Sub("hub.db");
  {
    auto store = OpenHubStore(path);
    EnrollDevice(store.get(), "dev-a", "A1001", 1);
    PushRecords(store.get(), "dev-a",
                {RentalVisit("other", 1, "A1001", kDen, v1::UNIT_STATUS_CHECKED, kT0),
                 RentalVisit("r1", 1, "A1001", kDen, v1::UNIT_STATUS_CHECKED, kT0),
                 RentalVisit("r1", 2, "A1001", kDen, v1::UNIT_STATUS_CHECKED, kT0)});
  }
  {  // Turn it into what version 3 wrote: no case tables, merge_records
     // without first_order (r1 merged at version 2).
    auto db = sql::Db::Open(path, false);
    REQUIRE(db.ok());
    REQUIRE((*db)
                ->Exec("DROP TABLE case_edits; DROP TABLE watchlist_derived;"
                       " DROP INDEX feed_by_kind_key; DROP TABLE merge_records;"
                       " CREATE TABLE merge_records(record_id TEXT PRIMARY KEY,"
                       "                            version INTEGER NOT NULL);"
                       " INSERT INTO merge_records VALUES('r1', 2);"
                       " UPDATE meta SET value='3' WHERE key='schema_version'")
                .ok());
  }
  auto store = OpenHubStore(path);
  cases::HubEdit e;
  e.by = "S9001";
  e.at_ms = kT0;
  e.update.set_den_status("raided");
  e.update.set_reason("x");
  auto seq = store->AppendCaseEdit(e);
  REQUIRE(seq.ok());
  auto edits = store->ListCaseEdits();
  REQUIRE(edits.ok());
  REQUIRE(edits->size() == 1);
  CHECK(edits->front().seq == *seq);
  CHECK(edits->front().update.den_status() == "raided");
  auto db = sql::Db::Open(path, false);
  REQUIRE(db.ok());
  auto st = (*db)->Prepare("SELECT value FROM meta WHERE key='schema_version'");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  CHECK(st->Text(0) == std::to_string(sweep::hub::kHubSchemaVersion));
  // merge_records gained the ingest order of each record's first version
  auto first = (*db)->Prepare(
      "SELECT m.first_order, (SELECT ingest_order FROM versions WHERE record_id='r1'"
      " AND version=1) FROM merge_records m WHERE m.record_id='r1'");
  REQUIRE(first.ok());
  REQUIRE(*first->Step());
  CHECK(first->Int(0) > 1);
  CHECK(first->Int(0) == first->Int(1));
}
