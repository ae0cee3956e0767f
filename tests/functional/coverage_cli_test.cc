// Drives the real sweep-field binary: `today` and `building` show the visits
// recorded on the tablet at once, before any sync; the screen has the grid
// and the legend in Chinese (English on request); bad addresses are refused
// with the reason and the documented exit code.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <optional>

#include "../support/fake_env.h"
#include "../support/process.h"

using google::protobuf::Struct;
using google::protobuf::Value;
using sweep::testing::Run;
using sweep::testing::RunResult;
using sweep::testing::TempDir;

namespace {

const std::string kBin = SWEEP_FIELD_BIN;
const std::string kPin = "246810\n";
const std::string kBuilding = "郴州市北湖区国庆北路18号3栋";

// Sets environment variables for the children started in its lifetime.
class ScopedEnv {
 public:
  void Set(const char* name, const char* value) {
    Save(name);
    if (value == nullptr) {
      unsetenv(name);
    } else {
      setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }

 private:
  void Save(const char* name) {
    if (saved_.count(name) > 0) return;
    const char* v = getenv(name);
    saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

struct Tablet {
  TempDir dir;
  std::string store = dir.Sub("store");
  int files = 0;

  Tablet() {
    auto r = Cmd(
        {"init", "--officer", "A1001", "--name", "王建国", "--kdf-ops", "1", "--kdf-mem-mib", "8"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  RunResult Cmd(std::vector<std::string> args) const {
    std::vector<std::string> argv = {kBin, "--store", store, "--pin-stdin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, kPin);
  }
  void Visit(const std::string& address, const std::string& status) {
    std::string path = dir.Sub("visit-" + std::to_string(++files) + ".json");
    std::ofstream(path) << R"({"address": {"raw": ")" << address << R"("}, "unitStatus": ")"
                        << status
                        << R"(", "occupants": [{"name": "周雨桐", "presentAtVisit": true}]})";
    auto r = Cmd({"record", "rental-check", "--json", path});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  Struct Json(std::vector<std::string> args) const {
    args.push_back("--json");
    auto r = Cmd(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    Struct s;
    REQUIRE(google::protobuf::util::JsonStringToMessage(r.out, &s).ok());
    return s;
  }
};

const Value& Field(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  if (it == s.fields().end()) FAIL("no field " << name);
  return it->second;
}

// The unit objects of a `building --json` answer, by unit key.
std::map<std::string, Struct> UnitsOf(const Struct& building) {
  std::map<std::string, Struct> out;
  for (const auto& u : Field(building, "units").list_value().values()) {
    out[Field(u.struct_value(), "unitKey").string_value()] = u.struct_value();
  }
  return out;
}

}  // namespace

TEST_CASE("today and building show offline visits at once, before any sync") {
  Tablet t;
  auto empty = t.Json({"today"});
  CHECK(Field(empty, "localVisits").number_value() == 0);
  CHECK(Field(empty, "beats").list_value().values_size() == 0);
  CHECK_FALSE(Field(empty, "configFromHub").bool_value());

  t.Visit(kBuilding + "1单元101室", "UNIT_STATUS_CHECKED");
  t.Visit(kBuilding + "1单元201室", "UNIT_STATUS_NO_ANSWER");
  t.Visit(kBuilding + "2单元102室", "UNIT_STATUS_VACANT");
  auto today = t.Json({"today"});
  CHECK(Field(today, "localVisits").number_value() == 3);
  CHECK(Field(today, "outsideVisits").number_value() == 3);  // no beats synced yet
  const auto& revisits = Field(today, "revisits").list_value();
  REQUIRE(revisits.values_size() == 1);
  const Struct& r = revisits.values(0).struct_value();
  CHECK(Field(r, "unitKey").string_value() == "1-201");
  CHECK(Field(r, "reason").string_value() == "no_answer");
  CHECK(Field(r, "source").string_value() == "local");
  CHECK_FALSE(Field(r, "open").bool_value());  // from tomorrow

  auto building = t.Json({"building", kBuilding});
  CHECK_FALSE(Field(building, "assigned").bool_value());
  auto units = UnitsOf(building);
  REQUIRE(units.size() == 3);
  CHECK(Field(units["1-101"], "state").string_value() == "checked");
  CHECK(Field(units["1-201"], "state").string_value() == "no_answer");
  CHECK(Field(units["2-102"], "state").string_value() == "vacant");
  CHECK(Field(units["1-101"], "floor").number_value() == 1);
  const auto& rows = Field(building, "rows").list_value();
  REQUIRE(rows.values_size() == 2);  // floors 2 and 1, top first
  CHECK(Field(rows.values(0).struct_value(), "floor").number_value() == 2);

  t.Visit(kBuilding + "1单元201室", "UNIT_STATUS_CHECKED");  // the revisit, still offline
  auto after = UnitsOf(t.Json({"building", kBuilding + "1单元201室"}));
  CHECK(Field(after["1-201"], "state").string_value() == "checked");
  CHECK(Field(t.Json({"today"}), "revisits").list_value().values_size() == 0);
}

TEST_CASE("the building screen draws the grid and the legend, Chinese by default") {
  Tablet t;
  t.Visit(kBuilding + "1单元101室", "UNIT_STATUS_CHECKED");
  t.Visit(kBuilding + "1单元201室", "UNIT_STATUS_REFUSED");
  ScopedEnv env;
  env.Set("LC_ALL", nullptr);
  env.Set("LC_MESSAGES", nullptr);
  env.Set("LANG", nullptr);
  auto zh = t.Cmd({"building", kBuilding});
  INFO(zh.err);
  REQUIRE(zh.exit_code == 0);
  CHECK(zh.out.find("图例") != std::string::npos);
  CHECK(zh.out.find("已查") != std::string::npos);
  CHECK(zh.out.find("不在您的责任区") != std::string::npos);
  CHECK(zh.out.find("2层") != std::string::npos);
  CHECK(zh.out.find("101✓") != std::string::npos);
  CHECK(zh.out.find("201✗") != std::string::npos);
  CHECK(zh.out.find("\x1b[") == std::string::npos);  // no colour into a pipe
  // The floor-2 row comes before the floor-1 row.
  CHECK(zh.out.find("2层") < zh.out.find("1层"));

  auto en = t.Cmd({"building", kBuilding, "--lang", "en"});
  REQUIRE(en.exit_code == 0);
  CHECK(en.out.find("Legend") != std::string::npos);
  CHECK(en.out.find("checked") != std::string::npos);
  env.Set("LANG", "en_US.UTF-8");
  auto by_locale = t.Cmd({"today"});
  REQUIRE(by_locale.exit_code == 0);
  CHECK(by_locale.out.find("visits on this tablet") != std::string::npos);
  auto zh_today = t.Cmd({"today", "--lang", "zh"});
  CHECK(zh_today.out.find("本机走访") != std::string::npos);
}

TEST_CASE("a bad address is refused with the reason, an unknown building is not found") {
  Tablet t;
  auto bad = t.Cmd({"building", "???"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("???") != std::string::npos);
  CHECK(bad.err.find("ADDRESS") != std::string::npos);
  auto bad_key = t.Cmd({"building", "12|x"});
  CHECK(bad_key.exit_code == 2);
  auto unknown = t.Cmd({"building", "郴州市北湖区国庆北路18号9栋"});
  CHECK(unknown.exit_code == 3);
  CHECK(unknown.err.find("today") != std::string::npos);
  auto missing = t.Cmd({"building"});
  CHECK(missing.exit_code == 2);
  auto help = Run({kBin, "building", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Exit codes") != std::string::npos);
  auto wrong_pin = Run({kBin, "--store", t.store, "--pin-stdin", "today"}, "999999\n");
  CHECK(wrong_pin.exit_code == 6);
}
