// Retention end to end with the real binaries on loopback
// (docs/hub-storage.md "Retention", docs/storage-format.md "Retention"): a
// tablet records an old rental check that found nothing (with a photo), an
// old den visit and a recent check, and syncs; `retention set`; a dry run
// changes nothing; `retention apply` purges the one record at the hub (no
// trace of the person's name, ID, phone or photo in the hub's file), with
// one audit entry, and `audit verify` passes; an old copy of the tablet
// re-sends the purged version and the hub takes it as the duplicate it is
// (no fork alert); the tablet's next sync drops what is past the tablet
// retention: `list`, `show`, `find` and `verify` through its CLI; a hub
// restored from an older backup asking for a purged version is named.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include "../support/fake_env.h"
#include "../support/hub_process.h"
#include "../support/process.h"
#include "sweep/sync/sqlite.h"

using namespace sweep::testing;

namespace {

const std::string kField = SWEEP_FIELD_BIN;
const std::string kHub = SWEEP_HUB_BIN;
const std::string kPin = "246810\n";
const std::string kStreet = "北湖区国庆北路社区国庆北路18号3栋2单元";
const std::string kIdGone = "430102199001011238";  // 赵无事: purged
const std::string kIdDen = "430102199202022347";   // 钱有卡: at a den, kept
const std::string kPhoto = "JPEG-a-photo-of-the-lease-signed-by-zhao-wushi";
constexpr int64_t kDay = 24LL * 3600 * 1000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Tablet {
  std::string store;
  RunResult Cmd(std::vector<std::string> args, const std::string& in = "") const {
    std::vector<std::string> argv = {kField, "--store", store, "--pin-stdin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, kPin + in);
  }
  std::string Record(const std::string& json) const {
    auto r = Cmd({"record", "rental-check", "--json", "-"}, json);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    std::smatch m;
    REQUIRE(std::regex_search(r.out, m, std::regex("saved rental-check ([0-9a-f]{32})")));
    return m[1];
  }
  RunResult Sync() const {
    auto r = Cmd({"sync"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }
};

std::string Visit(const std::string& room, int64_t at_ms, const std::string& occupant,
                  const std::string& extra = "") {
  return "{\"address\":{\"raw\":\"" + kStreet + room +
         "\"},\"unitStatus\":\"UNIT_STATUS_CHECKED\",\"visitedAtMs\":\"" + std::to_string(at_ms) +
         "\",\"occupants\":[" + occupant + "]" + extra + "}";
}

RunResult Admin(const HubProcess& hub, const std::vector<std::string>& args) {
  auto r = hub.Admin(args);
  INFO(args.front() << " " << (args.size() > 1 ? args[1] : "") << ": " << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

// The hub's database and its log, as on disk.
std::string HubBytes(const std::string& db) {
  std::string all;
  for (const std::string& p : {db, db + "-wal"}) {
    std::ifstream in(p, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("retention: the hub purges an old visit that found nothing, the tablet after sync") {
  TempDir dir;
  const std::string db = dir.Sub("hub.db");
  HubProcess hub(kHub, db);
  REQUIRE(hub.Start());
  Admin(hub, {"ledger", "config", "--default-division", "431002"});
  Tablet t{dir.Sub("tablet")};
  REQUIRE(t.Cmd({"init", "--officer", "A1001", "--name", "王建国", "--kdf-ops", "1",
                 "--kdf-mem-mib", "8"})
              .exit_code == 0);
  REQUIRE(t.Cmd({"enroll", "--hub", hub.url(), "--code", hub.NewCode("A1001")}).exit_code == 0);
  // A backup of the hub from before the tablet's first sync (used at the end).
  const std::string key = dir.Sub("station.key"), backup = dir.Sub("hub.sweepbk");
  Admin(hub, {"backup-key", "new", "--out", key});
  Admin(hub, {"backup", "--key", key, backup});

  // Three visits: old with nothing found (and a photo), old at a den, recent.
  const std::string photo_path = dir.Sub("lease.jpg");
  std::ofstream(photo_path) << kPhoto;
  auto attach = t.Cmd({"attach", photo_path});
  REQUIRE(attach.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(attach.out, m, std::regex("^([0-9a-f]{64}) ")));
  const std::string sha = m[1];
  const int64_t old = NowMs() - 200 * kDay;
  const std::string gone = t.Record(
      Visit("702", old,
            "{\"name\":\"赵无事\",\"idNumber\":\"" + kIdGone +
                "\",\"phone\":\"13907351111\",\"presentAtVisit\":true}",
            ",\"attachments\":[{\"sha256\":\"" + sha + "\",\"mediaType\":\"image/jpeg\"}]"));
  const std::string den = t.Record(Visit(
      "502", old, "{\"name\":\"钱有卡\",\"idNumber\":\"" + kIdDen + "\",\"presentAtVisit\":true}",
      ",\"indicators\":[{\"code\":\"many_sim_cards\",\"present\":true,\"count\":40}]"));
  const std::string young =
      t.Record(Visit("601", NowMs() - 10 * kDay, "{\"name\":\"孙近期\",\"presentAtVisit\":true}"));
  t.Sync();
  Admin(hub, {"merge"});
  CHECK(Has(HubBytes(db), "赵无事"));
  CHECK(Has(HubBytes(db), kPhoto));
  const std::string dens_before = Admin(hub, {"dens", "list", "--json"}).out;
  // A copy of the tablet as it is now (as if restored later from a backup).
  std::filesystem::copy(t.store, dir.Sub("tablet-copy"), std::filesystem::copy_options::recursive);

  // Settings, audited.
  Admin(hub, {"retention", "set", "residents_no_finding", "180"});
  Admin(hub, {"retention", "set", "tablet_synced", "30"});
  CHECK(hub.Admin({"retention", "set", "residents", "30"}).exit_code == 2);
  CHECK(hub.Admin({"retention", "set", "tablet_synced", "-1"}).exit_code == 2);
  auto show = Admin(hub, {"--lang", "en", "retention", "show"});
  CHECK(Has(show.out, "residents_no_finding  180 days"));
  CHECK(Has(show.out, "tablet_synced  30 days"));
  CHECK(Admin(hub, {"retention", "--help"}).exit_code == 0);

  // A dry run says what would go and changes nothing.
  auto dry = Admin(hub, {"retention", "apply", "--dry-run", "--json"});
  CHECK(Has(dry.out, "\"records\":1,"));
  CHECK(Has(dry.out, "\"photos\":1,"));
  CHECK(Has(dry.out, "\"kept_finding\":1,"));
  CHECK(Has(HubBytes(db), "赵无事"));

  // The purge.
  auto applied = Admin(hub, {"retention", "apply", "--json"});
  CHECK(Has(applied.out, "\"dry_run\":false,\"records\":1,\"versions\":1,"));
  CHECK(Has(applied.out, "\"photos\":1,"));
  std::string bytes = HubBytes(db);
  for (const std::string& s :
       {std::string("赵无事"), kIdGone, std::string("13907351111"), kPhoto}) {
    INFO(s);
    CHECK_FALSE(Has(bytes, s));
  }
  CHECK(Has(bytes, "钱有卡"));
  CHECK(Has(bytes, "孙近期"));
  // What others depend on still reads: the versions, the den, the audit log.
  CHECK(hub.Versions() == 3);
  CHECK(Admin(hub, {"dens", "list", "--json"}).out == dens_before);
  auto purges =
      Admin(hub, {"audit", "show", "--entity", "retention:residents_no_finding", "--json"});
  CHECK(std::count(purges.out.begin(), purges.out.end(), '\n') == 2);  // set + purge
  CHECK(Has(purges.out, "\"action\":\"retention_purge\""));
  CHECK(Admin(hub, {"audit", "verify"}).exit_code == 0);
  // Again: nothing more, no new entry.
  CHECK(Has(Admin(hub, {"retention", "apply", "--json"}).out, "\"records\":0,"));
  CHECK(Admin(hub, {"audit", "show", "--entity", "retention:residents_no_finding", "--json"}).out ==
        purges.out);

  // An old copy of the tablet sends its versions again: the purged one is
  // recognised by its entry hash, so no fork.
  {
    Tablet copy{dir.Sub("tablet-copy")};
    {
      auto meta = sweep::sql::Db::Open(copy.store + "/sweep-field.db", false);
      REQUIRE(meta.ok());
      REQUIRE((*meta)->Exec("UPDATE meta SET value = X'30' WHERE key = 'synced_seq'").ok());
    }
    auto resent = copy.Sync();
    CHECK(Has(resent.out, "0 versions sent (3 already there)"));
    CHECK_FALSE(Has(Admin(hub, {"alerts"}).out, "fork"));
  }

  // The tablet's next sync brings the tablet retention: both old records go.
  auto synced = t.Sync();
  CHECK(Has(synced.out, "retention: 2 records and 1 photos"));
  auto list = t.Cmd({"list"});
  REQUIRE(list.exit_code == 0);
  CHECK(Has(list.out, young));
  CHECK_FALSE(Has(list.out, gone));
  CHECK_FALSE(Has(list.out, den));
  auto shown = t.Cmd({"show", gone});
  CHECK(shown.exit_code == 3);
  CHECK(Has(shown.err, "retention"));
  auto found = t.Cmd({"find", "--kind", "id", kIdGone});
  CHECK(Has(found.out + found.err, "no record"));
  auto verified = t.Cmd({"verify"});
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(Has(t.Cmd({"info"}).out, "purged after sync 2 versions"));
  // The tablet goes on recording and syncing after the purge.
  t.Record(Visit("603", NowMs(), "{\"name\":\"周今天\",\"presentAtVisit\":true}"));
  CHECK(Has(t.Sync().out, "1 versions sent"));
  CHECK(hub.Versions() == 4);
  CHECK(t.Cmd({"verify"}).exit_code == 0);
  CHECK(Admin(hub, {"audit", "verify"}).exit_code == 0);

  // The hub restored from the backup taken before the first sync asks for
  // versions this tablet has since removed: the sync stops and says so.
  const int port = hub.port();
  REQUIRE(hub.Stop() == 0);
  Admin(hub, {"restore", "--key", key, backup, "--force"});
  REQUIRE(hub.Start(port));
  t.Record(Visit("604", NowMs(), "{\"name\":\"郑明天\",\"presentAtVisit\":true}"));
  auto behind = t.Cmd({"sync"});
  INFO(behind.out << behind.err);
  CHECK(behind.exit_code == 9);
  CHECK(Has(behind.err, "this tablet has since removed"));
  CHECK(Has(behind.err, "restore the hub from a newer backup"));
}
