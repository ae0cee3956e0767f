// Drives the real sweep-field binary: the documented commands, their exit
// codes, and the messages a person sees on bad input.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "../support/fake_env.h"
#include "../support/process.h"

using sweep::testing::Run;
using sweep::testing::RunResult;
using sweep::testing::TempDir;

namespace {

const std::string kBin = SWEEP_FIELD_BIN;
const std::string kExamples = std::string(SWEEP_SOURCE_DIR) + "/docs/examples/";
const std::string kPin = "246810\n";

RunResult Field(const std::string& store, std::vector<std::string> args,
                const std::string& input = "") {
  std::vector<std::string> argv = {kBin, "--store", store};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, input);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string Init(const TempDir& dir, const std::string& extra_max = "10") {
  std::string store = dir.Sub("store");
  auto r = Field(store,
                 {"--pin-stdin", "init", "--officer", "A1001", "--name", "王建国", "--kdf-ops", "1",
                  "--kdf-mem-mib", "8", "--max-attempts", extra_max},
                 kPin);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return store;
}

int CountRecords(const std::string& store) {
  auto r = Field(store, {"--pin-stdin", "list"}, kPin);
  REQUIRE(r.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, std::regex("(\\d+) records\\n$")));
  return std::stoi(m[1]);
}

}  // namespace

TEST_CASE("the shipped examples record, list, show and verify") {
  TempDir dir;
  std::string store = Init(dir);
  auto rc = Field(store, {"--pin-stdin", "record", "rental-check", "--json", "-"},
                  kPin + Slurp(kExamples + "rental-check.json"));
  INFO(rc.err);
  REQUIRE(rc.exit_code == 0);
  CHECK(rc.out.find("saved rental-check") != std::string::npos);
  CHECK(rc.out.find("error") == std::string::npos);
  // The office sweep's findings, persons and notes are sealed to each
  // agency's key, given at enrollment: an unenrolled tablet refuses it
  // (exit 6) and saves nothing; agency_test.cc records it enrolled.
  auto os = Field(
      store, {"--pin-stdin", "record", "office-sweep", "--json", kExamples + "office-sweep.json"},
      kPin);
  INFO(os.err);
  CHECK(os.exit_code == 6);
  CHECK(os.err.find("enroll this tablet first") != std::string::npos);
  auto reg = Field(
      store,
      {"--pin-stdin", "record", "rental-check", "--jsonl", kExamples + "tenant-register.jsonl"},
      kPin);
  INFO(reg.err);
  REQUIRE(reg.exit_code == 0);
  CHECK(reg.out.find("5 records saved") != std::string::npos);
  CHECK(CountRecords(store) == 6);
  std::smatch m;
  REQUIRE(std::regex_search(rc.out, m, std::regex("saved rental-check ([0-9a-f]{32}) v1")));
  auto show = Field(store, {"--pin-stdin", "show", m[1]}, kPin);
  REQUIRE(show.exit_code == 0);
  CHECK(show.out.find("\"rentalCheck\"") != std::string::npos);
  auto verify = Field(store, {"--pin-stdin", "verify"}, kPin);
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find("checked 6 versions and 2 signatures: OK") != std::string::npos);
}

TEST_CASE("an edit makes version 2 and keeps version 1") {
  TempDir dir;
  std::string store = Init(dir);
  auto first = Field(store, {"--pin-stdin", "record", "rental-check", "--json", "-"},
                     kPin + Slurp(kExamples + "rental-check.json"));
  std::smatch m;
  REQUIRE(std::regex_search(first.out, m, std::regex("([0-9a-f]{32}) v1")));
  std::string id = m[1];
  auto edit = Field(store, {"--pin-stdin", "record", "rental-check", "--edit", id, "--json", "-"},
                    kPin + Slurp(kExamples + "rental-check.json"));
  REQUIRE(edit.exit_code == 0);
  CHECK(edit.out.find(id + " v2") != std::string::npos);
  auto stale = Field(
      store,
      {"--pin-stdin", "record", "rental-check", "--edit", id, "--base-version", "1", "--json", "-"},
      kPin + Slurp(kExamples + "rental-check.json"));
  CHECK(stale.exit_code == 9);
  auto history = Field(store, {"--pin-stdin", "show", id, "--history"}, kPin);
  CHECK(history.out.find("\"version\": \"2\"") != std::string::npos);
  CHECK(history.out.find("\"baseVersion\": \"1\"") != std::string::npos);
}

TEST_CASE("bad JSON names the field and saves nothing") {
  TempDir dir;
  std::string store = Init(dir);
  auto typo = Field(store, {"--pin-stdin", "record", "rental-check", "--json", "-"},
                    kPin + R"({"unitStatus":"UNIT_STATUS_CHECKED","occupants":[{"idNo":"1"}]})");
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("occupants[0]") != std::string::npos);
  CHECK(typo.err.find("idNumber") != std::string::npos);  // the suggestion
  auto truncated = Field(store, {"--pin-stdin", "record", "office-sweep", "--json", "-"},
                         kPin + R"({"companyName": "云帆)");
  CHECK(truncated.exit_code == 2);
  CHECK(!truncated.err.empty());
  CHECK(CountRecords(store) == 0);
}

TEST_CASE("a JSON Lines file with bad lines is refused whole, naming every bad line") {
  TempDir dir;
  std::string store = Init(dir);
  std::string lines = Slurp(kExamples + "tenant-register.jsonl");
  std::vector<std::string> split;
  std::istringstream in(lines);
  for (std::string l; std::getline(in, l);) split.push_back(l);
  REQUIRE(split.size() >= 5);
  split[1] = R"({"unitStatus": 7.5})";
  split[3] = "not json";
  std::string bad;
  for (auto& l : split) bad += l + "\n";
  auto r = Field(store, {"--pin-stdin", "record", "rental-check", "--jsonl", "-"}, kPin + bad);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("stdin:2:") != std::string::npos);
  CHECK(r.err.find("stdin:4:") != std::string::npos);
  CHECK(r.err.find("nothing was saved") != std::string::npos);
  CHECK(CountRecords(store) == 0);
}

TEST_CASE("identifier problems are shown and kept, and --strict refuses them") {
  TempDir dir;
  std::string store = Init(dir);
  std::string body = R"({"unitStatus":"UNIT_STATUS_CHECKED",
    "address":{"raw":"国庆北路18号3栋2单元502室"},
    "occupants":[{"name":"周雨桐","idNumber":"36042619910102009X","phone":"12345"}]})";
  auto strict = Field(store, {"--pin-stdin", "record", "rental-check", "--strict", "--json", "-"},
                      kPin + body);
  CHECK(strict.exit_code == 2);
  CHECK(strict.err.find("occupants[0].idNumber") != std::string::npos);
  CHECK(CountRecords(store) == 0);
  auto lenient =
      Field(store, {"--pin-stdin", "record", "rental-check", "--json", "-"}, kPin + body);
  REQUIRE(lenient.exit_code == 0);
  CHECK(lenient.out.find("error occupants[0].idNumber") != std::string::npos);
  CHECK(lenient.out.find("occupants[0].phone") != std::string::npos);
  std::smatch m;
  REQUIRE(std::regex_search(lenient.out, m, std::regex("([0-9a-f]{32}) v1")));
  auto show = Field(store, {"--pin-stdin", "show", m[1]}, kPin);
  CHECK(show.out.find("\"validation\"") != std::string::npos);
}

TEST_CASE("wrong PINs: exit 6 with attempts left, then shredding (exit 8)") {
  TempDir dir;
  std::string store = Init(dir, "3");
  auto r1 = Field(store, {"--pin-stdin", "list"}, "000000\n");
  CHECK(r1.exit_code == 6);
  CHECK(r1.err.find("2 attempts left") != std::string::npos);
  auto r2 = Field(store, {"--pin-stdin", "list"}, "000000\n");
  CHECK(r2.exit_code == 6);
  auto r3 = Field(store, {"--pin-stdin", "list"}, "000000\n");
  CHECK(r3.exit_code == 8);
  CHECK(r3.err.find("crypto-shredded") != std::string::npos);
  auto after = Field(store, {"--pin-stdin", "list"}, kPin);
  CHECK(after.exit_code == 8);
}

TEST_CASE("check reads a list and gives a verdict per line") {
  std::string input =
      "360426199101010071\n44011320141005001X\n36042619910102009X\n360426199113010079\n"
      "610104620927690\n";
  auto r = Run({kBin, "check", "--kind", "id"}, input);
  CHECK(r.exit_code == 2);  // some are invalid
  CHECK(r.out.find("360426199101010071\tvalid") != std::string::npos);
  CHECK(r.out.find("36042619910102009X\tinvalid") != std::string::npos);
  CHECK(r.out.find("610104620927690\tvalid\t610104196209276908") != std::string::npos);
  CHECK(r.err.find("2 of 5 values are invalid") != std::string::npos);
  auto uscc = Run({kBin, "--json", "check", "--kind", "uscc"}, "91110000600037341L\n");
  CHECK(uscc.exit_code == 0);
  CHECK(uscc.out.find("\"verdict\":\"valid\"") != std::string::npos);
  auto phone = Run({kBin, "check", "--kind", "phone"}, "+86 138-0013-8000\n");
  CHECK(phone.out.find("+8613800138000") != std::string::npos);
}

TEST_CASE("lock, wipe, info and usage errors") {
  TempDir dir;
  std::string store = Init(dir);
  CHECK(Field(store, {"lock"}).exit_code == 0);
  auto info = Field(store, {"info"});
  CHECK(info.exit_code == 0);
  CHECK(info.out.find("officers 1") != std::string::npos);
  CHECK(Field(store, {"wipe"}).exit_code == 2);
  CHECK(Field(store, {"wipe", "--yes"}).exit_code == 0);
  CHECK(Field(store, {"--pin-stdin", "list"}, kPin).exit_code == 8);
  CHECK(Run({kBin, "list"}).exit_code == 2);  // no --store
  CHECK(Run({kBin, "frobnicate"}).exit_code == 2);
  CHECK(Field(dir.Sub("none"), {"--pin-stdin", "list"}, kPin).exit_code == 3);
  for (std::string cmd : {"init", "record", "list", "show", "verify", "lock", "wipe", "check",
                          "officer", "info", "find"}) {
    auto help = Run({kBin, cmd, "--help"});
    INFO(cmd);
    CHECK(help.exit_code == 0);
    CHECK(!help.out.empty());
  }
  CHECK(Run({kBin, "--help"}).out.find("Exit codes") != std::string::npos);
}

TEST_CASE("a second officer is added and unlocks with their own PIN") {
  TempDir dir;
  std::string store = Init(dir);
  auto add = Field(store,
                   {"--pin-stdin", "officer", "add", "--officer", "B2002", "--name", "李红梅",
                    "--kdf-ops", "1", "--kdf-mem-mib", "8"},
                   kPin + "135791\n");
  INFO(add.err);
  REQUIRE(add.exit_code == 0);
  CHECK(Field(store, {"--pin-stdin", "list"}, kPin).exit_code == 2);  // who are you?
  CHECK(Field(store, {"--as", "B2002", "--pin-stdin", "list"}, "135791\n").exit_code == 0);
  CHECK(Field(store, {"--as", "B2002", "--pin-stdin", "list"}, kPin).exit_code == 6);
}
