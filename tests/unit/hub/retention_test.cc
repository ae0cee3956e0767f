// Retention at the hub over a real SQLite store (docs/hub-storage.md
// "Retention"): residents_no_finding purges exactly the old rental checks
// that found nothing and whose persons the station has no reason to keep,
// and nothing else: the visits and coverage stay, the names, ID numbers,
// phones and photos go (from the file too), the merge forgets the mentions,
// one audit entry per run, a re-run purges nothing more, a dry run changes
// nothing; an interrupted run is finished and audited by the next; a version
// arriving after the purge is purged again; settings are audited and the
// tablets' item published; a version 7 file migrates to version 8.
#include "sweep/hub/retention.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "../../../hub/src/sqlite_hub_store.h"  // kHubSchemaVersion
#include "../../support/records.h"
#include "ledger_fixture.h"
#include "sweep/hub/audit.h"
#include "sweep/hub/case_service.h"
#include "sweep/hub/ledger_service.h"
#include "sweep/hub/merge_service.h"
#include "sweep/hub/simulate.h"
#include "sweep/sync/protocol.h"
#include "sweep/sync/sqlite.h"

using namespace sweep;
using namespace sweep::hub;
using namespace sweep::testing;

namespace {

constexpr int64_t kNow = 1'780'000'000'000;  // 2026-05-28
constexpr int64_t kOld = kNow - 200 * kDayMs;
constexpr int64_t kYoung = kNow - 10 * kDayMs;
const std::string kStreet = "北湖区国庆北路社区国庆北路18号3栋2单元";
const std::string kIdDen = "430102199202022347";     // 钱有卡, found at the den
const std::string kIdLinked = "431021198503150019";  // 李在窝, at the den and elsewhere
const std::string kIdGone = "430102199001011238";    // 赵无事: the only one purged
const std::string kIdYoung = "430102198808081566";   // 孙近期

struct Fixture {
  TempDir dir;
  FakeEnv env;
  std::string path = dir.Sub("hub.db");
  std::unique_ptr<HubStore> store = OpenHubStore(path);
  AuditActor actor{"S2001", "operator", "cli"};

  Fixture() {
    env.now_ms = kNow;
    RegisterService reg(store.get(), &env);
    SetDefaultDivision(&reg, "431002");
    EnrollDevice(store.get(), "dev-a", "A1001", 1);
    REQUIRE(store
                ->SaveHubKeys({std::string(32, 'a'), Bytes(32, 1), Bytes(64, 2), Bytes(32, 3),
                               Bytes(32, 4), Bytes(32, 5)})
                .ok());
  }

  static v1::Record Visit(const std::string& id, const std::string& room, int64_t at,
                          const std::vector<Occupant>& occupants,
                          const std::vector<std::string>& indicators = {}) {
    return RentalVisit(id, 1, "A1001", kStreet + room, v1::UNIT_STATUS_CHECKED, at, occupants,
                       indicators);
  }
  void Photo(const std::string& sha) {
    FileRow f{sha, 4, "image/jpeg", 4, {"c-" + sha}, false, "dev-a"};
    REQUIRE(store->RegisterFile(f).ok());
    REQUIRE(store->PutChunk(sha, 0, Bytes{'J', 'P', 'E', 'G'}).ok());
  }
  // The five visits of the test, and two photos.
  void PushStation() {
    // A den: a strong indicator; 钱有卡 and 李在窝 present.
    v1::Record den = Visit("r-den", "502", kOld, {{"钱有卡", kIdDen}, {"李在窝", kIdLinked}},
                           {"many_sim_cards"});
    den.mutable_rental_check()->add_attachments()->set_sha256("ph-den");
    // 李在窝 again, at another unit, nothing found: linked to the den.
    v1::Record linked = Visit("r-linked", "601", kOld, {{"李在窝", kIdLinked}});
    // Nothing found, but the tablet raised a watchlist hit.
    v1::Record hit = Visit("r-hit", "602", kOld, {{"周命中", ""}});
    hit.mutable_rental_check()->mutable_occupants(0)->set_phone("13907350001");
    auto* h = hit.add_validation();
    h->set_field("occupants[0].phone");
    h->set_code("watchlist_hit");
    // Younger than the cutoff.
    v1::Record young = Visit("r-young", "701", kYoung, {{"孙近期", kIdYoung}});
    // Old, nothing found, nobody of interest: purged, with its photos.
    v1::Record gone = Visit("r-gone", "702", kOld, {{"赵无事", kIdGone}});
    auto* rc = gone.mutable_rental_check();
    rc->mutable_occupants(0)->set_phone("13907351111");
    rc->mutable_occupants(0)->set_origin("湖南省长沙市芙蓉区");
    rc->mutable_landlord()->set_name("陈房东");
    rc->mutable_landlord()->set_phone("13907352222");
    rc->set_notes("租客赵无事称在长沙工作");
    rc->add_attachments()->set_sha256("ph-gone");
    rc->add_attachments()->set_sha256("ph-shared");
    rc->add_accompanying("社区网格员刘");
    den.mutable_rental_check()->add_attachments()->set_sha256("ph-shared");
    PushRecords(store.get(), "dev-a", {den, linked, hit, young, gone});
    for (const char* sha : {"ph-den", "ph-gone", "ph-shared"}) Photo(sha);
  }
  void Merge() {
    auto m = MergeService(store.get(), &env).Run();
    INFO(m.status().ToString());
    REQUIRE(m.ok());
    auto l = LedgerService(store.get(), &env).CatchUp();
    INFO(l.status().ToString());
    REQUIRE(l.ok());
  }
  void Set(std::string_view category, uint32_t days) {
    auto r = RetentionService(store.get(), &env).Set(category, days, actor);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
  }
  RetentionReport Apply(bool dry_run, RetentionOptions options = {}) {
    auto r = RetentionService(store.get(), &env, options).Apply(dry_run, actor);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return *r;
  }
  std::vector<StoredVersion> Versions(const std::string& id) {
    auto v = store->VersionsOfRecord(id);
    REQUIRE(v.ok());
    return *v;
  }
  std::vector<v1::AuditEntry> Purges() {
    auto all = store->FindAudit({});
    REQUIRE(all.ok());
    std::vector<v1::AuditEntry> out;
    for (auto& e : *all) {
      if (e.action() == "retention_purge") out.push_back(e);
    }
    return out;
  }
  // The bytes of the database and its log, as on disk now.
  std::string FileBytes() {
    std::string all;
    for (const std::string& p : {path, path + "-wal"}) {
      std::ifstream in(p, std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }
  std::vector<schema::ledger::Visit> AllVisits() {
    auto v = store->ListVisits({}, 1000);
    REQUIRE(v.ok());
    return *v;
  }
};

bool Has(const std::string& bytes, const std::string& needle) {
  return bytes.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("retention: residents_no_finding purges exactly the old visit that found nothing",
          "[retention]") {
  Fixture f;
  f.PushStation();
  f.Merge();
  f.Set(kResidentsNoFinding, 180);
  auto visits_before = f.AllVisits();
  auto view_before = CaseService(f.store.get(), &f.env).Load();
  REQUIRE(view_before.ok());
  std::map<std::string, Bytes> bytes_before;
  for (const char* id : {"r-den", "r-linked", "r-hit", "r-young", "r-gone"}) {
    bytes_before[id] = f.Versions(id).at(0).record;
  }
  auto merge_before = f.store->LoadMergeState();
  REQUIRE(merge_before.ok());
  auto audit_before = f.store->FindAudit({});
  REQUIRE(audit_before.ok());

  SECTION("a dry run counts and changes nothing") {
    RetentionReport dry = f.Apply(true);
    REQUIRE(dry.categories.size() == 1);
    const RetentionCounts& c = dry.categories[0];
    CHECK(c.records == 1);
    CHECK(c.versions == 1);
    CHECK(c.mentions == 2);      // 赵无事 and the landlord
    CHECK(c.files == 1);         // ph-gone; ph-shared is also the den's
    CHECK(c.kept_finding == 2);  // the den, the watchlist hit
    CHECK(c.kept_person == 1);   // 李在窝, linked to the den
    CHECK(c.run == 0);
    for (const auto& [id, bytes] : bytes_before) CHECK(f.Versions(id).at(0).record == bytes);
    CHECK(f.store->GetFile("ph-gone").ok());
    auto audit_after = f.store->FindAudit({});
    REQUIRE(audit_after.ok());
    CHECK(audit_after->size() == audit_before->size());
    auto runs = f.store->ListRetentionRuns(false);
    REQUIRE(runs.ok());
    CHECK(runs->empty());
  }

  SECTION("apply purges the one record, keeps the rest, audits once; a re-run does nothing") {
    RetentionReport r = f.Apply(false);
    REQUIRE(r.categories.size() == 1);
    CHECK(r.categories[0].records == 1);
    CHECK(r.categories[0].versions == 1);
    CHECK(r.categories[0].mentions == 2);
    CHECK(r.categories[0].files == 1);
    CHECK(r.unmerged == 0);
    CHECK(r.log_flushed);

    // Everything else byte for byte as it was.
    for (const auto& [id, bytes] : bytes_before) {
      if (id != "r-gone") CHECK(f.Versions(id).at(0).record == bytes);
    }
    // R' of the purged record: the visit without its persons' data.
    auto gone = f.Versions("r-gone");
    REQUIRE(gone.size() == 1);
    CHECK(gone[0].opened.empty());
    v1::Record redacted;
    REQUIRE(
        redacted.ParseFromArray(gone[0].record.data(), static_cast<int>(gone[0].record.size())));
    CHECK(redacted.record_id() == "r-gone");
    CHECK(redacted.rental_check().address().raw() == kStreet + "702");
    CHECK(redacted.rental_check().visited_at_ms() == kOld);
    CHECK(redacted.rental_check().unit_status() == v1::UNIT_STATUS_CHECKED);
    REQUIRE(redacted.rental_check().occupants_size() == 1);
    CHECK(redacted.rental_check().occupants(0).name().empty());
    CHECK(redacted.rental_check().occupants(0).present_at_visit());
    CHECK(redacted.rental_check().attachments_size() == 0);
    CHECK(redacted.rental_check().notes().empty());
    // The entry hash still is the one the tablet's chain proves.
    auto stored = f.store->GetVersion("dev-a", gone[0].seq);
    REQUIRE(stored.ok());
    REQUIRE(stored->has_value());
    CHECK((*stored)->entry_hash == Bytes(32, static_cast<uint8_t>(gone[0].seq)));

    // Not in the file any more, in any table (nor in its log).
    std::string file = f.FileBytes();
    for (const std::string& s : {std::string("赵无事"), kIdGone, std::string("13907351111"),
                                 std::string("陈房东"), std::string("13907352222"),
                                 std::string("湖南省长沙市芙蓉区"), std::string("租客赵无事")}) {
      INFO(s);
      CHECK_FALSE(Has(file, s));
    }
    for (const std::string& s : {std::string("钱有卡"), kIdDen, std::string("李在窝"),
                                 std::string("周命中"), std::string("孙近期")}) {
      INFO(s);
      CHECK(Has(file, s));
    }
    // Photos: the one only the purged visit named is gone; the shared one stays.
    CHECK(f.store->GetFile("ph-gone").status().code() == Code::kNotFound);
    CHECK(f.store->GetChunk("ph-gone", 0).status().code() == Code::kNotFound);
    CHECK(f.store->GetFile("ph-shared").ok());
    CHECK(f.store->GetFile("ph-den").ok());

    // Visits and coverage unchanged: the same visits, units, times, statuses
    // and officers; the purged one has no persons.
    auto visits_after = f.AllVisits();
    REQUIRE(visits_after.size() == visits_before.size());
    for (size_t i = 0; i < visits_after.size(); ++i) {
      CHECK(visits_after[i].record_id == visits_before[i].record_id);
      CHECK(visits_after[i].at_ms == visits_before[i].at_ms);
      CHECK(visits_after[i].status == visits_before[i].status);
      CHECK(visits_after[i].officer_id == visits_before[i].officer_id);
      CHECK(visits_after[i].unit_key == visits_before[i].unit_key);
      if (visits_after[i].record_id == "r-gone") CHECK(visits_after[i].persons.empty());
    }
    auto view_after = CaseService(f.store.get(), &f.env).Load();
    REQUIRE(view_after.ok());
    CHECK(view_after->visits.size() == view_before->visits.size());
    CHECK(view_after->premises.size() == view_before->premises.size());
    CHECK(view_after->persons.size() == view_before->persons.size() - 2);

    // The merge forgot the two mentions and nothing else.
    auto merge_after = f.store->LoadMergeState();
    REQUIRE(merge_after.ok());
    CHECK(merge_after->state.mentions.size() == merge_before->state.mentions.size() - 2);
    CHECK(merge_after->revision > merge_before->revision);
    CHECK(f.store->MergeEntityMentions("r-gone/occupants[0]").status().code() == Code::kNotFound);
    CHECK(f.store->MergeEntityMentions("r-young/occupants[0]").ok());

    // One audit entry, and the chain verifies.
    auto purges = f.Purges();
    REQUIRE(purges.size() == 1);
    CHECK(purges[0].entity() == "retention:residents_no_finding");
    CHECK(purges[0].actor() == "S2001");
    CHECK(Has(purges[0].detail(), "\"records\":\"1\""));
    CHECK(Has(purges[0].detail(), "\"photos\":\"1\""));
    CHECK(Has(purges[0].detail(), "\"cutoff\":\"2025-11-29T"));
    auto verified = AuditLog(f.store.get(), &f.env).Verify();
    REQUIRE(verified.ok());
    CHECK(verified->ok());

    // Again, and a day later: nothing more, no new entry.
    f.env.Advance(kDayMs);
    RetentionReport again = f.Apply(false);
    CHECK(again.categories[0].records == 0);
    CHECK(again.categories[0].files == 0);
    CHECK(f.Purges().size() == 1);
    CHECK(f.Versions("r-young").at(0).record == bytes_before["r-young"]);

    // The young visit comes due once it is old enough, and goes.
    f.env.Advance(171 * kDayMs);
    RetentionReport later = f.Apply(false);
    CHECK(later.categories[0].records == 1);
    CHECK(f.Purges().size() == 2);
    CHECK_FALSE(Has(f.FileBytes(), "孙近期"));
  }
}

TEST_CASE("retention: a person on the watchlist, in review or decided keeps the visit",
          "[retention]") {
  Fixture f;
  // Three old visits that found nothing: one person is on the watchlist by
  // hand, one is in a supervisor's not-same decision, one is not.
  PushRecords(f.store.get(), "dev-a",
              {Fixture::Visit("r-watched", "801", kOld, {{"吴布控", kIdDen}}),
               Fixture::Visit("r-decided-a", "802", kOld, {{"郑决定", ""}}),
               Fixture::Visit("r-decided-b", "803", kOld, {{"郑决定", ""}}),
               Fixture::Visit("r-plain", "804", kOld, {{"王普通", kIdGone}})});
  f.Merge();
  crypto::SecretBuffer key = crypto::SecretBuffer::CopyOf(Bytes(32, 5));
  auto normal = sync::NormalizeWatchValue("id", kIdDen);
  REQUIRE(normal.ok());
  Bytes hash = sync::WatchHash(key, "id", *normal);
  REQUIRE(f.store->AppendFeed({0, "all", "watchlist", crypto::ToHex(hash), false, {1}}).ok());
  resolve::Decision d;
  d.kind = resolve::DecisionKind::kNotSame;
  d.a = "r-decided-a/occupants[0]";
  d.b = "r-decided-b/occupants[0]";
  d.by = "S2001";
  auto decided = MergeService(f.store.get(), &f.env).Decide(d);
  INFO(decided.status().ToString());
  REQUIRE(decided.ok());
  f.Set(kResidentsNoFinding, 30);
  RetentionReport r = f.Apply(false);
  REQUIRE(r.categories.size() == 1);
  CHECK(r.categories[0].records == 1);
  CHECK(r.categories[0].kept_person == 3);
  std::string file = f.FileBytes();
  CHECK_FALSE(Has(file, "王普通"));
  CHECK(Has(file, "吴布控"));
  CHECK(Has(file, "郑决定"));
}

TEST_CASE("retention: an interrupted run is finished and audited by the next", "[retention]") {
  Fixture f;
  f.PushStation();
  PushRecords(f.store.get(), "dev-a",
              {Fixture::Visit("r-gone2", "703", kOld, {{"冯也无", ""}}),
               Fixture::Visit("r-gone3", "704", kOld, {{"褚又无", ""}})});
  f.Merge();
  f.Set(kResidentsNoFinding, 180);
  // A run killed after its first batch: that batch (one record) is stored
  // whole, the run has no audit entry.
  RetentionOptions one;
  one.batch_records = 1;
  int calls = 0;
  one.progress = [&calls](const std::string&, uint64_t, uint64_t) {
    if (++calls == 1) throw std::runtime_error("killed");
  };
  CHECK_THROWS((void)RetentionService(f.store.get(), &f.env, one).Apply(false, f.actor));
  auto runs = f.store->ListRetentionRuns(true);
  REQUIRE(runs.ok());
  REQUIRE(runs->size() == 1);
  CHECK(runs->at(0).records == 1);
  CHECK(f.Purges().empty());
  auto purged = f.store->PurgedRecords();
  REQUIRE(purged.ok());
  REQUIRE(purged->size() == 1);
  // No record is half purged: the purged one is redacted whole, the others whole.
  for (const char* id : {"r-gone", "r-gone2", "r-gone3"}) {
    v1::Record rec;
    const Bytes b = f.Versions(id).at(0).record;
    REQUIRE(rec.ParseFromArray(b.data(), static_cast<int>(b.size())));
    const bool is_purged = purged->at(0).record_id == id;
    CHECK(rec.rental_check().occupants(0).name().empty() == is_purged);
  }

  // Within the hour the run may still be going elsewhere: left alone.
  RetentionReport soon = f.Apply(false);
  CHECK(soon.audits_recovered == 0);
  CHECK(soon.categories[0].records == 2);
  CHECK(f.Purges().size() == 1);  // this run's
  // Later, the interrupted run gets its entry, once.
  f.env.Advance(2 * 3600 * 1000);
  RetentionReport later = f.Apply(false);
  CHECK(later.audits_recovered == 1);
  auto purges = f.Purges();
  REQUIRE(purges.size() == 2);
  CHECK(Has(purges[1].detail(), "\"interrupted\":\"true\""));
  CHECK(Has(purges[1].detail(), "\"records\":\"1\""));
  CHECK(f.Apply(false).audits_recovered == 0);
  CHECK(f.Purges().size() == 2);
}

TEST_CASE("retention: a version arriving after the purge is purged by the next run",
          "[retention]") {
  Fixture f;
  f.PushStation();
  f.Merge();
  f.Set(kResidentsNoFinding, 180);
  REQUIRE(f.Apply(false).categories[0].records == 1);
  // The tablet, not yet purged itself, edits the record: version 2 with the persons.
  v1::Record v2 = Fixture::Visit("r-gone", "702", kOld, {{"赵无事", kIdGone}});
  v2.set_version(2);
  v2.set_base_version(1);
  PushRecords(f.store.get(), "dev-a", {v2});
  f.Merge();
  CHECK(Has(f.FileBytes(), "赵无事"));
  RetentionReport r = f.Apply(false);
  CHECK(r.categories[0].records == 1);
  CHECK(r.categories[0].versions == 2);
  CHECK_FALSE(Has(f.FileBytes(), "赵无事"));
  CHECK(f.store->MergeEntityMentions("r-gone/occupants[0]").status().code() == Code::kNotFound);
}

TEST_CASE("retention: photos_no_finding deletes only the photos", "[retention]") {
  Fixture f;
  f.PushStation();
  f.Merge();
  f.Set(kPhotosNoFinding, 90);
  RetentionReport r = f.Apply(false);
  REQUIRE(r.categories.size() == 1);
  CHECK(r.categories[0].category == kPhotosNoFinding);
  CHECK(r.categories[0].files == 1);
  CHECK(f.store->GetFile("ph-gone").status().code() == Code::kNotFound);
  CHECK(f.store->GetFile("ph-shared").ok());
  CHECK(Has(f.FileBytes(), "赵无事"));  // the persons stay
  // A tablet uploads the photo again: the next run deletes it again.
  f.Photo("ph-gone");
  CHECK(f.Apply(false).categories[0].files == 1);
  CHECK(f.store->GetFile("ph-gone").status().code() == Code::kNotFound);
  CHECK(f.Purges().size() == 2);
}

TEST_CASE("retention: settings are checked, audited on change and sent to tablets", "[retention]") {
  Fixture f;
  RetentionService service(f.store.get(), &f.env);
  CHECK(service.Set("residents", 10, f.actor).status().code() == Code::kInvalidArgument);
  CHECK(service.Set(kTabletSynced, kMaxRetentionDays + 1, f.actor).status().code() ==
        Code::kInvalidArgument);
  auto changed = service.Set(kTabletSynced, 30, f.actor);
  REQUIRE(changed.ok());
  CHECK(*changed);
  auto same = service.Set(kTabletSynced, 30, f.actor);
  REQUIRE(same.ok());
  CHECK_FALSE(*same);
  AuditQuery q;
  q.entity = "retention:tablet_synced";
  auto entries = f.store->FindAudit(q);
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 1);
  CHECK(entries->at(0).action() == "retention_set");
  CHECK(Has(entries->at(0).detail(), "\"to\":\"30\""));
  auto view = TabletView(f.store.get(), "A1001");
  REQUIRE(view.count({"config", "retention"}) == 1);
  auto config = ParsePayload<v1::RetentionConfig>(view.at({"config", "retention"}));
  CHECK(config.tablet_synced_days() == 30);
  // The ledger's config item and the retention item live side by side.
  CHECK(view.count({"config", "ledger"}) == 1);
  RegisterService reg(f.store.get(), &f.env);
  SetDefaultDivision(&reg, "431002001");
  view = TabletView(f.store.get(), "A1001");
  CHECK(view.count({"config", "retention"}) == 1);
  // Back to 0: the item is withdrawn.
  REQUIRE(service.Set(kTabletSynced, 0, f.actor).ok());
  view = TabletView(f.store.get(), "A1001");
  CHECK(view.count({"config", "retention"}) == 0);
  auto settings = service.Settings();
  REQUIRE(settings.ok());
  CHECK(settings->tablet_synced == 0);
  // A stored value that is not a number is named.
  REQUIRE(f.store->PutSettings({{"retention.residents_no_finding", "ten"}}).ok());
  CHECK(service.Settings().status().code() == Code::kCorruption);
}

TEST_CASE("retention: RedactRecord keeps no personal field", "[retention]") {
  v1::Record r = SampleRentalCheck();
  r.set_record_id("r1");
  r.set_version(3);
  r.mutable_rental_check()->mutable_occupants(0)->add_bank_cards("6222020200112233445");
  r.mutable_rental_check()->add_attachments()->set_sha256("abc");
  r.add_validation()->set_normalized("360426199101010071");
  v1::Record out = RedactRecord(r);
  std::string bytes = out.SerializeAsString();
  for (const char* s :
       {"陈国栋", "13907351234", "林晓燕", "360426199101010071", "13800138000", "江西省", "餐饮",
        "2026-09-01", "6222020200112233445", "租客", "抽屉", "abc"}) {
    INFO(s);
    CHECK_FALSE(Has(bytes, s));
  }
  CHECK(out.record_id() == "r1");
  CHECK(out.version() == 3);
  CHECK(out.rental_check().address().raw() == r.rental_check().address().raw());
  CHECK(out.rental_check().indicators(0).code() == "many_sim_cards");
  CHECK(out.rental_check().occupants(0).present_at_visit());
  CHECK(RedactRecord(out).SerializeAsString() == bytes);  // idempotent
}

TEST_CASE("retention: a version 7 file migrates to version 8", "[retention]") {
  TempDir dir;
  const std::string path = dir.Sub("hub.db");
  { OpenHubStore(path); }
  {
    auto db = sql::Db::Open(path, false);
    REQUIRE(db.ok());
    REQUIRE((*db)
                ->Exec("DROP TABLE retention_records; DROP TABLE retention_files;"
                       " DROP TABLE retention_runs; UPDATE meta SET value='7'"
                       " WHERE key='schema_version'")
                .ok());
  }
  auto store = OpenHubStore(path);
  auto runs = store->ListRetentionRuns(false);
  INFO(runs.status().ToString());
  CHECK(runs.ok());
  auto db = sql::Db::Open(path, false);
  REQUIRE(db.ok());
  auto st = (*db)->Prepare("SELECT value FROM meta WHERE key='schema_version'");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  CHECK(st->Text(0) == std::to_string(kHubSchemaVersion));
  CHECK(kHubSchemaVersion == 8);
}

// Not run by default: `hub_tests "[.retention_timing]"`; SWEEP_RETENTION_MENTIONS
// sets the size (default 200 000 person mentions), SWEEP_RETENTION_BATCH the
// records per atomic step (default 2000). A simulated station is
// stored as ingested versions in a real SQLite file and merged; then, with
// every visit past the cutoff, a dry run and a purge are timed.
TEST_CASE("retention: cost of a purge run on a large simulated station", "[.retention_timing]") {
  const char* size = std::getenv("SWEEP_RETENTION_MENTIONS");
  sim::Options so;
  so.target_mentions = size ? std::strtoull(size, nullptr, 10) : 200000;
  TempDir dir;
  FakeEnv env;
  auto store = OpenHubStore(dir.Sub("hub.db"));
  RegisterService reg(store.get(), &env);
  SetDefaultDivision(&reg, so.district);
  std::map<std::string, uint64_t> acked;
  int64_t last_ms = 0;
  uint64_t records = 0;
  auto t0 = std::chrono::steady_clock::now();
  auto st = sim::Simulate(
      so, {}, [&](const std::vector<v1::Record>& batch, const std::vector<sim::MentionTruth>&) {
        std::map<std::string, std::vector<StoredVersion>> by_device;
        for (v1::Record r : batch) {
          const std::string device = "dev-" + r.officer_id();
          if (!acked.count(device)) {
            EnrollDevice(store.get(), device, r.officer_id(),
                         static_cast<uint8_t>(acked.size() + 1));
            acked[device] = 0;
          }
          r.set_device_id(device);
          last_ms = std::max(last_ms, r.hlc().wall_ms());
          std::string bytes = r.SerializeAsString();
          StoredVersion v;
          v.device_id = device;
          v.seq = acked[device] + by_device[device].size() + 1;
          v.record_id = r.record_id();
          v.version = r.version();
          v.record.assign(bytes.begin(), bytes.end());
          v.entry_hash = Bytes(32, 7);
          by_device[device].push_back(std::move(v));
        }
        for (auto& [device, versions] : by_device) {
          SWEEP_RETURN_IF_ERROR(store->AppendVersions(device, acked[device], versions));
          acked[device] += versions.size();
        }
        records += batch.size();
        return Status::Ok();
      });
  REQUIRE(st.ok());
  auto merged = MergeService(store.get(), &env).Run();
  REQUIRE(merged.ok());
  auto t1 = std::chrono::steady_clock::now();
  env.now_ms = last_ms + 200 * kDayMs;  // every visit is past a 180-day retention
  AuditActor actor{"bench", "operator", "cli"};
  REQUIRE(RetentionService(store.get(), &env).Set(kResidentsNoFinding, 180, actor).ok());
  auto t2 = std::chrono::steady_clock::now();
  auto dry = RetentionService(store.get(), &env).Apply(true, actor);
  REQUIRE(dry.ok());
  auto t3 = std::chrono::steady_clock::now();
  RetentionOptions ropt;  // SWEEP_RETENTION_BATCH: records per atomic step (default 2000)
  if (const char* batch = std::getenv("SWEEP_RETENTION_BATCH")) {
    ropt.batch_records = std::strtoull(batch, nullptr, 10);
  }
  auto real = RetentionService(store.get(), &env, ropt).Apply(false, actor);
  REQUIRE(real.ok());
  auto t4 = std::chrono::steady_clock::now();
  auto again = RetentionService(store.get(), &env).Apply(false, actor);
  REQUIRE(again.ok());
  auto t5 = std::chrono::steady_clock::now();
  auto s = [](auto d) { return std::chrono::duration<double>(d).count(); };
  const RetentionCounts& c = real->categories.at(0);
  std::cout << "retention timing: " << records << " records, " << merged->mentions
            << " mentions stored and merged in " << s(t1 - t0) << " s; dry run " << s(t3 - t2)
            << " s; purge of " << c.records << " records (" << c.mentions << " mentions; kept "
            << c.kept_finding << " with a finding, " << c.kept_den << " at a den, " << c.kept_person
            << " for a person) " << s(t4 - t3) << " s; re-run " << s(t5 - t4) << " s\n";
  std::cout << "{\"name\":\"retention_purge_s\",\"value\":" << s(t4 - t3) << ",\"unit\":\"s\"}\n";
  CHECK(c.records == dry->categories.at(0).records);
  CHECK(again->categories.at(0).records == 0);
}

TEST_CASE("retention: serve's worker runs the purge on its own thread", "[retention]") {
  Fixture f;
  f.PushStation();
  f.Merge();
  f.Set(kResidentsNoFinding, 180);
  RetentionWorkerOptions o;
  o.first_delay = std::chrono::milliseconds(1);
  o.interval = std::chrono::hours(24);
  o.log = false;
  RetentionWorker worker(f.store.get(), &f.env, o);
  worker.Start();
  for (int i = 0; i < 1000 && worker.runs() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  worker.Stop();  // returns at once: the next run is a day away
  CHECK(worker.runs() == 1);
  auto purges = f.Purges();
  REQUIRE(purges.size() == 1);
  CHECK(purges[0].actor() == "serve");
  CHECK(purges[0].actor_role() == "system");
  CHECK(purges[0].device() == "hub");
}
