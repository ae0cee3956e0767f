// Joint inspections end to end with the real binaries on loopback (issue 7,
// docs/protocol.md "Agency sections"): a police tablet records the shipped
// joint office sweep (a police finding naming the legal representative by ID
// number, the market regulator's finding, two persons questioned, notes);
// it reads back its own part and not the regulator's. Both sync; the market
// regulator's tablet pulls and lists the inspection: the company, its credit
// code, licence status and its own finding, and no person, ID number, phone,
// police finding or note anywhere in its command-line output, its screen's
// answers, its pulled feed or its store's files. The roles hold on both
// tablets; the hub opened every section (its case file names the persons).
#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "../support/fake_env.h"
#include "../support/hub_process.h"
#include "../support/process.h"
#include "sweep/field/store.h"

using namespace sweep::testing;

namespace {

const std::string kField = SWEEP_FIELD_BIN;
const std::string kHub = SWEEP_HUB_BIN;
const std::string kExamples = std::string(SWEEP_SOURCE_DIR) + "/docs/examples/";
const std::string kPin = "246810";

// From docs/examples/office-sweep.json.
const std::string kCompany = "郴州市北湖区鑫睿企业管理咨询有限公司";
const std::string kCreditCode = "91431002MA4T7K2R7D";
const std::string kAddress = "郴州市北湖区人民路街道燕泉路社区燕泉路66号华信商务大厦12楼1206室";
const std::string kMarketFinding = "营业执照登记地址为华信商务大厦8楼";
// What only the police may read.
const std::vector<std::string> kPoliceOnly = {
    // the persons questioned, their ID numbers and phones
    "彭国栋", "钟雅婷", "431003198509260152", "440106199804300620", "13874512690", "18820763154",
    // the police finding, one of its indicators, a disposition; the notes; a person's notes
    "现场23人分四排工位外呼", "四排隔断工位", "法定代表人带回所里",
    "示例数据，单位及人物信息均为虚构", "自述按提成计薪"};

struct Tablet {
  std::string store;
  RunResult Cmd(std::vector<std::string> args, const std::string& in = "") const {
    std::vector<std::string> argv = {kField, "--store", store, "--pin-stdin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, kPin + "\n" + in);
  }
  RunResult Ok(std::vector<std::string> args, const std::string& in = "") const {
    auto r = Cmd(args, in);
    INFO(args.front() << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }
};

Tablet NewTablet(const TempDir& dir, const HubProcess& hub, const std::string& officer,
                 const std::string& agency, const std::string& role) {
  Tablet t{dir.Sub(officer)};
  t.Ok({"init", "--officer", officer, "--name", "王建国", "--kdf-ops", "1", "--kdf-mem-mib", "8"});
  auto code = hub.Admin({"enroll-code", "--officer", officer, "--agency", agency, "--role", role});
  REQUIRE(code.exit_code == 0);
  std::string c = code.out;
  while (!c.empty() && (c.back() == '\n' || c.back() == '\r')) c.pop_back();
  auto enrolled = t.Ok({"enroll", "--hub", hub.url(), "--code", c});
  CHECK(enrolled.out.find("(" + agency + ", " + role + ")") != std::string::npos);
  return t;
}

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// Every police-only value that `text` (named `where`) shows.
void CheckNoPoliceData(const std::string& where, const std::string& text) {
  for (const std::string& needle : kPoliceOnly) {
    INFO(where << " shows " << needle);
    CHECK(!Has(text, needle));
  }
}

std::string FilesOf(const std::string& dir) {
  std::string all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    all += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

// The regulator's screen: `sweep-field ui` on its store, unlocked over HTTP.
struct Screen {
  std::unique_ptr<Child> child;
  int port = 0;
  std::string key;
  explicit Screen(const Tablet& t) {
    child = std::make_unique<Child>(std::vector<std::string>{kField, "--store", t.store, "ui"});
    std::smatch m;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline &&
           !std::regex_search(child->out, m,
                              std::regex("http://127\\.0\\.0\\.1:(\\d+)/#key=([0-9a-f]{64})"))) {
      child->Pump(20);
    }
    REQUIRE(m.size() == 3);
    port = std::stoi(m[1]);
    key = m[2];
  }
  ~Screen() {
    kill(child->pid(), SIGTERM);
    child->Wait();
  }
  httplib::Result Call(const std::string& method, const std::string& path,
                       const std::string& body = "") {
    httplib::Client c("127.0.0.1", port);
    httplib::Headers h{{"X-Sweep-Key", key}};
    return method == "GET" ? c.Get(path, h) : c.Post(path, h, body, "application/json");
  }
};

}  // namespace

TEST_CASE("agency sections: a regulator's tablet sees the shared facts and its own finding only") {
  TempDir dir;
  HubProcess hub(kHub, dir.Sub("hub.db"));
  REQUIRE(hub.Start());
  REQUIRE(hub.Admin({"ledger", "config", "--default-division", "431002"}).exit_code == 0);
  Tablet police = NewTablet(dir, hub, "A1001", "police", "officer");
  Tablet reg = NewTablet(dir, hub, "SJ-BH-0212", "market_regulation", "regulator");

  // The police tablet records the joint sweep; it reads its own part back,
  // the regulator's stays sealed to the regulator's key.
  auto saved = police.Ok({"record", "office-sweep", "--json", kExamples + "office-sweep.json"});
  std::smatch m;
  REQUIRE(std::regex_search(saved.out, m, std::regex("saved office-sweep ([0-9a-f]{32}) v1")));
  const std::string id = m[1];
  auto shown = police.Ok({"show", id});
  CHECK(Has(shown.out, "现场23人分四排工位外呼"));
  CHECK(Has(shown.out, "431003198509260152"));
  CHECK(!Has(shown.out, kMarketFinding));
  CHECK(Has(shown.out, "\"sections\""));
  CHECK(Has(shown.out, "\"agency\": \"market_regulation\""));
  CHECK(!Has(FilesOf(police.store), "彭国栋"));
  CHECK(!Has(FilesOf(police.store), kMarketFinding));

  // Roles, enforced before saving (the hub would refuse the chain otherwise).
  auto rental = reg.Cmd({"record", "rental-check", "--json", kExamples + "rental-check.json"});
  CHECK(rental.exit_code == 6);
  CHECK(Has(rental.err, "office sweeps only"));
  auto decide = police.Cmd({"record", "case-update", "--json", "-"},
                           R"({"personIdNumber":"431003198509260152","involvement":"organiser",)"
                           R"("dispositions":[{"code":"criminal_detention"}],"reason":"审讯"})");
  CHECK(decide.exit_code == 6);
  CHECK(Has(decide.err, "supervisor"));

  // Both sync; the regulator's tablet pulls once the hub's catch-up has
  // published the inspection to its agency.
  police.Ok({"sync"});
  std::string pulled_output;
  RunResult listed;
  for (int i = 0; i < 100; ++i) {
    pulled_output += reg.Ok({"sync"}).out;
    listed = reg.Ok({"--json", "inspections"});
    if (Has(listed.out, id)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(listed.out);
  REQUIRE(Has(listed.out, id));
  CHECK(Has(listed.out, kCompany));
  CHECK(Has(listed.out, kCreditCode));
  CHECK(Has(listed.out, "LICENCE_STATUS_MISMATCH"));
  CHECK(Has(listed.out, kMarketFinding));
  auto text = reg.Ok({"inspections"});
  CHECK(Has(text.out, kCompany));
  CHECK(Has(text.out, "营业执照：与实际不符"));
  CHECK(Has(text.out, "市场监管：" + kMarketFinding));
  auto english = reg.Ok({"--lang", "en", "inspections"});
  CHECK(Has(english.out, "licence: does not match the business"));
  CHECK(reg.Ok({"inspections", "--help"}).out.find("sealed") != std::string::npos);

  // Nothing of the police's part anywhere the regulator's tablet can look.
  CheckNoPoliceData("inspections --json", listed.out);
  CheckNoPoliceData("inspections", text.out + english.out);
  CheckNoPoliceData("sync", pulled_output);
  CheckNoPoliceData("list", reg.Ok({"list"}).out);
  {
    Screen screen(reg);
    auto unlock =
        screen.Call("POST", "/api/unlock", R"({"officerId":"SJ-BH-0212","pin":")" + kPin + "\"}");
    REQUIRE(unlock);
    REQUIRE(unlock->status == 200);
    auto status = screen.Call("GET", "/api/status");
    REQUIRE(status);
    CHECK(Has(status->body, "\"role\":\"regulator\""));
    CHECK(Has(status->body, "\"agency\":\"market_regulation\""));
    auto inspections = screen.Call("GET", "/api/inspections");
    REQUIRE(inspections);
    CHECK(inspections->status == 200);
    CHECK(Has(inspections->body, kCompany));
    CHECK(Has(inspections->body, kMarketFinding));
    CheckNoPoliceData("GET /api/inspections", inspections->body + status->body);
    auto refused = screen.Call("POST", "/api/records",
                               R"({"rentalCheck":{"address":{"raw":")" + kAddress +
                                   R"("},"unitStatus":"UNIT_STATUS_CHECKED"}})");
    REQUIRE(refused);
    CHECK(refused->status == 403);
    CHECK(Has(refused->body, "\"code\":\"not_allowed\""));
  }
  // Its pulled feed, opened as the tablet holds it: every item of every kind.
  {
    auto store = sweep::field::Store::Open(reg.store, sweep::Env::Default());
    REQUIRE(store.ok());
    REQUIRE((*store)->Unlock("SJ-BH-0212", kPin).ok());
    std::string feed;
    for (const char* kind :
         {"assignment", "config", "command", "inspection", "watchlist", "unit", "revisit"}) {
      auto items = (*store)->FeedItems(kind);
      REQUIRE(items.ok());
      if (std::string(kind) == "inspection") CHECK(items->size() == 1);
      if (std::string(kind) == "watchlist") CHECK(items->empty());
      for (const auto& item : *items) feed += item.SerializeAsString();
    }
    CheckNoPoliceData("the pulled feed", feed);
  }
  CheckNoPoliceData("the store's files", FilesOf(reg.store));

  // The hub opened every section: its case file of the premises names the
  // persons the police questioned and the police finding's indicators.
  REQUIRE(hub.Admin({"merge"}).exit_code == 0);
  auto den = hub.Admin({"--lang", "en", "dens", "show", kAddress});
  INFO(den.out << den.err);
  REQUIRE(den.exit_code == 0);
  CHECK(Has(den.out, "彭国栋"));
  CHECK(Has(den.out, "钟雅婷"));
  CHECK(Has(den.out, "call_center_layout"));
  CHECK(Has(den.out, "ordered_rectification"));
}
