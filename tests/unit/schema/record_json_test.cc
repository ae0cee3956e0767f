// Tests for record_json.h: the example files, parse errors a person can act
// on, ValidateRecord's paths and cross-field checks, and ToJson.
#include "sweep/schema/record_json.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace sweep::schema {
namespace {

using Catch::Matchers::Contains;

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(SWEEP_SOURCE_DIR) + "/" + relative, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Describe(const std::vector<v1::ValidationResult>& results) {
  std::string out;
  for (const auto& r : results) out += ToJson(r) + "\n";
  return out;
}

const v1::ValidationResult* FindResult(const std::vector<v1::ValidationResult>& results,
                                       const std::string& field) {
  for (const auto& r : results) {
    if (r.field() == field) return &r;
  }
  return nullptr;
}

std::vector<v1::ValidationResult> ValidateRental(const v1::RentalCheck& check) {
  v1::Record record;
  *record.mutable_rental_check() = check;
  return ValidateRecord(record);
}

std::vector<v1::ValidationResult> ValidateOffice(const v1::OfficeSweep& sweep) {
  v1::Record record;
  *record.mutable_office_sweep() = sweep;
  return ValidateRecord(record);
}

// The error message of a RentalCheck parse that must fail.
std::string RentalError(std::string_view json) {
  auto parsed = ParseRentalCheckJson(json);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == Code::kInvalidArgument);
  return parsed.status().message();
}

std::string OfficeError(std::string_view json) {
  auto parsed = ParseOfficeSweepJson(json);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == Code::kInvalidArgument);
  return parsed.status().message();
}

// A valid rental check used as the base for validation tests.
v1::RentalCheck ValidRental() {
  auto parsed = ParseRentalCheckJson(ReadSourceFile("docs/examples/rental-check.json"));
  REQUIRE(parsed.ok());
  return *parsed;
}

}  // namespace

TEST_CASE("rental-check.json example parses and is fully valid", "[record_json][examples]") {
  auto parsed = ParseRentalCheckJson(ReadSourceFile("docs/examples/rental-check.json"));
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  CHECK(parsed->address().division_code() == "431002001");
  CHECK(parsed->occupants_size() == 3);
  CHECK(parsed->indicators(0).code() == "many_sim_cards");
  CHECK(parsed->indicators(0).count() == 40);
  const auto results = ValidateRental(*parsed);
  INFO(Describe(results));
  CHECK(results.empty());
}

TEST_CASE("office-sweep.json example parses and is fully valid", "[record_json][examples]") {
  auto parsed = ParseOfficeSweepJson(ReadSourceFile("docs/examples/office-sweep.json"));
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  CHECK(parsed->licence() == v1::LICENCE_STATUS_MISMATCH);
  CHECK(parsed->staff_registered() == 5);
  CHECK(parsed->staff_present() == 23);
  CHECK(parsed->persons_size() >= 1);
  const auto results = ValidateOffice(*parsed);
  INFO(Describe(results));
  CHECK(results.empty());
}

TEST_CASE("tenant-register.jsonl example: five valid rental checks", "[record_json][examples]") {
  std::vector<LineError> errors;
  const auto checks =
      ParseRentalCheckJsonLines(ReadSourceFile("docs/examples/tenant-register.jsonl"), &errors);
  std::string all_errors;
  for (const auto& e : errors) all_errors += "line " + std::to_string(e.line) + ": " + e.message;
  INFO(all_errors);
  CHECK(errors.empty());
  REQUIRE(checks.size() == 5);
  for (const auto& check : checks) {
    CHECK(check.landlord().id_number() == checks[0].landlord().id_number());
    const auto results = ValidateRental(check);
    INFO(check.address().raw() << "\n" << Describe(results));
    CHECK(results.empty());
  }
}

TEST_CASE("unknown field names the path and suggests the closest field", "[record_json]") {
  const std::string message =
      RentalError("{\n  \"occupants\": [\n    {\"name\": \"王五\", \"idNo\": \"1\"}\n  ]\n}");
  CHECK_THAT(message, Contains("unknown field 'idNo' in occupants[0]; did you mean 'idNumber'?"));
  CHECK_THAT(message, Contains("line 3, column 20"));

  CHECK_THAT(RentalError(R"({"unitStatuss": "UNIT_STATUS_CHECKED"})"),
             Contains("unknown field 'unitStatuss' in RentalCheck; did you mean 'unitStatus'?"));
  // Nothing close: list the fields instead of guessing.
  const std::string far = RentalError(R"({"landlord": {"age": 40}})");
  CHECK_THAT(far, Contains("unknown field 'age' in landlord; the fields of Person are: name, "
                           "idNumber, idType, phone"));
  CHECK_THAT(far, !Contains("did you mean"));
}

TEST_CASE("wrong enum value lists the allowed names and suggests one", "[record_json]") {
  const std::string message = RentalError(R"({"occupants": [{"name": "王五", "sex": "M"}]})");
  CHECK_THAT(message,
             Contains("occupants[0].sex: expected one of SEX_MALE, SEX_FEMALE, got \"M\""));
  CHECK_THAT(message, Contains("did you mean SEX_MALE?"));
  CHECK_THAT(RentalError(R"({"unitStatus": "checked"})"),
             Contains("did you mean UNIT_STATUS_CHECKED?"));
  CHECK_THAT(RentalError(R"({"registration": "REGISTRATION_STATUS_REGISTERD"})"),
             Contains("did you mean REGISTRATION_STATUS_REGISTERED?"));
  // Integers are allowed by the JSON mapping, but only defined ones.
  CHECK(ParseRentalCheckJson(R"({"occupants": [{"sex": 2}]})")->occupants(0).sex() ==
        v1::SEX_FEMALE);
  CHECK_THAT(RentalError(R"({"occupants": [{"sex": 7}]})"),
             Contains("occupants[0].sex: expected one of SEX_MALE, SEX_FEMALE, got 7"));
}

TEST_CASE("wrong value types say what was expected and what was found", "[record_json]") {
  CHECK_THAT(RentalError(R"({"indicators": [{"code": "many_sim_cards", "count": "forty"}]})"),
             Contains("indicators[0].count: expected a whole number from 0 to 4294967295, got "
                      "\"forty\""));
  CHECK_THAT(RentalError(R"({"indicators": [{"count": -1}]})"), Contains("out of range"));
  CHECK_THAT(RentalError(R"({"indicators": [{"count": 1.5}]})"),
             Contains("indicators[0].count: expected a whole number"));
  CHECK_THAT(RentalError(R"({"landlord": {"idNumber": 431002196803140375}})"),
             Contains("landlord.idNumber: expected a string, got 431002196803140375; put it in "
                      "double quotes"));
  CHECK_THAT(RentalError(R"({"landlord": "廖建国"})"),
             Contains("landlord: expected an object (Person), got \"廖建国\""));
  CHECK_THAT(RentalError(R"({"indicators": [{"present": "true"}]})"),
             Contains("write it without quotes"));
  // The JSON mapping allows integers as strings; those stay accepted.
  auto parsed = ParseRentalCheckJson(R"({"indicators": [{"count": "40"}], "visitedAtMs": 1e3})");
  REQUIRE(parsed.ok());
  CHECK(parsed->indicators(0).count() == 40);
  CHECK(parsed->visited_at_ms() == 1000);
  // ... but inside a string protobuf takes digits only.
  CHECK_THAT(RentalError(R"({"visitedAtMs": "1.5e3"})"), Contains("write the number in digits"));
  CHECK_THAT(RentalError(R"({"accompanying": "刘晓梅"})"),
             Contains("accompanying: expected an array of strings"));
}

TEST_CASE("field paths reach into repeated messages", "[record_json]") {
  const std::string message = OfficeError(
      "{\"findings\": [{\"agency\": \"police\"},\n"
      " {\"agency\": \"tax\", \"indicators\": [{\"code\": \"scripts\", \"present\": \"yes\"}]}]}");
  CHECK_THAT(message,
             Contains("findings[1].indicators[0].present: expected true or false, got \"yes\""));
  CHECK_THAT(message, Contains("line 2, column"));
  CHECK_THAT(OfficeError(R"({"persons": [{}, {"bankCards": ["6217", 6228]}]})"),
             Contains("persons[1].bankCards[1]: expected a string, got 6228"));
}

TEST_CASE("malformed JSON is located by line and column", "[record_json]") {
  const std::string truncated =
      "{\n  \"notes\": \"门未开\",\n  \"occupants\": [\n    {\"name\": \"王";
  const std::string message = RentalError(truncated);
  CHECK_THAT(message, Contains("ends too early (at line 4, column 16)"));
  CHECK_THAT(message, Contains("truncated"));

  CHECK_THAT(RentalError("{\"notes\": \"a\"\n"),
             Contains("the object opened at line 1, column 1 is not closed"));
  CHECK_THAT(RentalError("hello"), Contains("not valid JSON at column 1"));
  CHECK_THAT(RentalError(R"({"notes": "a" "unitStatus": 1})"),
             Contains("column 15: expected ',' or '}'"));
  CHECK_THAT(RentalError(R"({"notes": "a",})"), Contains("a comma before '}' is not allowed"));
  CHECK_THAT(RentalError(R"({'notes': 'a'})"), Contains("double quotes"));
  CHECK_THAT(RentalError(R"({"notes": "a\x"})"), Contains("invalid escape"));
  CHECK_THAT(RentalError("{\"notes\": \"\xB2\xE2\xCA\xD4\"}"), Contains("not UTF-8"));
  CHECK_THAT(RentalError(""), Contains("empty"));
  CHECK_THAT(RentalError(R"({"notes": "a"} {"notes": "b"})"), Contains("after the end"));
  CHECK_THAT(RentalError(std::string(100000, '[')), Contains("nested more than 100"));
}

TEST_CASE("the top level must be an object of the right kind", "[record_json]") {
  CHECK_THAT(RentalError(R"([{"notes": "a"}])"),
             Contains("expected a JSON object (a RentalCheck) at the top level, got an array"));
  CHECK_THAT(OfficeError(R"("office")"),
             Contains("expected a JSON object (an OfficeSweep) at the top level"));
  CHECK_THAT(OfficeError(R"({"recordId": "ab12", "officeSweep": {}})"),
             Contains("this looks like a whole Record (it has 'recordId' at column 2), but an "
                      "OfficeSweep body was expected; give only the value of 'officeSweep'"));
}

TEST_CASE("what protobuf 3.21 would silently accept is refused", "[record_json]") {
  CHECK_THAT(RentalError(R"({"notes": "a", "notes": "b"})"),
             Contains("field 'notes' appears twice in RentalCheck"));
  CHECK_THAT(RentalError(R"({"landlord": {"id_number": "1", "idNumber": "2"}})"),
             Contains("'id_number' (at column 15) and 'idNumber' are the same field of landlord"));
  CHECK_THAT(RentalError(R"({"occupants": {"name": "王五"}})"),
             Contains("occupants: expected an array of objects (Person), got an object; wrap a "
                      "single value in [ ]"));
  CHECK_THAT(RentalError(R"({"occupants": [null]})"), Contains("occupants[0]: null"));
  // Proto field names are part of the JSON mapping and stay accepted.
  auto parsed = ParseRentalCheckJson(R"({"unit_status": "UNIT_STATUS_VACANT", "notes": null})");
  REQUIRE(parsed.ok());
  CHECK(parsed->unit_status() == v1::UNIT_STATUS_VACANT);
}

TEST_CASE("a byte-order mark is skipped", "[record_json]") {
  auto parsed = ParseRentalCheckJson("\xEF\xBB\xBF{\"notes\": \"门未开\"}");
  REQUIRE(parsed.ok());
  CHECK(parsed->notes() == "门未开");
}

TEST_CASE("JSON Lines report the failing line numbers", "[record_json]") {
  const std::string text =
      "{\"unitStatus\": \"UNIT_STATUS_VACANT\"}\r\n"
      "\r\n"
      "{\"unitStatus\": \"vacant\"}\r\n"
      "{\"notes\": \"ok\"}\n"
      "{\"notes\": \n";
  std::vector<LineError> errors;
  const auto checks = ParseRentalCheckJsonLines(text, &errors);
  CHECK(checks.size() == 2);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].line == 3);
  CHECK_THAT(errors[0].message, Contains("did you mean UNIT_STATUS_VACANT?"));
  CHECK(errors[1].line == 5);
  CHECK_THAT(errors[1].message, Contains("ends too early"));
}

TEST_CASE("ValidateRecord: invalid ID in a repeated person names its path", "[validate]") {
  v1::RentalCheck check = ValidRental();
  std::string* id = check.mutable_occupants(1)->mutable_id_number();
  id->back() = id->back() == '0' ? '1' : '0';  // break the check character
  const auto results = ValidateRental(check);
  INFO(Describe(results));
  REQUIRE(results.size() == 1);
  CHECK(results[0].field() == "occupants[1].idNumber");
  CHECK(results[0].severity() == v1::SEVERITY_ERROR);
  CHECK_FALSE(results[0].code().empty());
  CHECK_THAT(results[0].message(), Contains(" / "));  // English / Chinese
}

TEST_CASE("ValidateRecord: landlord phone", "[validate]") {
  v1::RentalCheck check = ValidRental();
  SECTION("a valid number written with +86, spaces and hyphens produces nothing") {
    check.mutable_landlord()->set_phone("+86 139-0735-1862");
    CHECK(ValidateRental(check).empty());
  }
  SECTION("a 13-digit IoT number is a warning carrying the normalised form") {
    check.mutable_landlord()->set_phone("1440 1234 5678 9");
    const auto results = ValidateRental(check);
    INFO(Describe(results));
    const auto* r = FindResult(results, "landlord.phone");
    REQUIRE(r != nullptr);
    CHECK(r->severity() == v1::SEVERITY_WARNING);
    CHECK(r->normalized() == "+861440123456789");
  }
  SECTION("a malformed number is an error") {
    check.mutable_landlord()->set_phone("0735-12");
    const auto results = ValidateRental(check);
    const auto* r = FindResult(results, "landlord.phone");
    REQUIRE(r != nullptr);
    CHECK(r->severity() == v1::SEVERITY_ERROR);
  }
}

TEST_CASE("ValidateRecord: bad credit code check character in an office sweep", "[validate]") {
  auto sweep = ParseOfficeSweepJson(ReadSourceFile("docs/examples/office-sweep.json"));
  REQUIRE(sweep.ok());
  sweep->set_credit_code("91431002MA4T7K2R7E");  // the valid code ends in D
  const auto results = ValidateOffice(*sweep);
  INFO(Describe(results));
  REQUIRE(results.size() == 1);
  CHECK(results[0].field() == "creditCode");
  CHECK(results[0].severity() == v1::SEVERITY_ERROR);
}

TEST_CASE("ValidateRecord: cross-field checks", "[validate]") {
  v1::RentalCheck check = ValidRental();
  SECTION("birth date and sex that contradict the ID number are warnings") {
    check.mutable_occupants(0)->set_birth_date("1997-08-23");
    check.mutable_occupants(0)->set_sex(v1::SEX_FEMALE);
    const auto results = ValidateRental(check);
    INFO(Describe(results));
    REQUIRE(results.size() == 2);
    const auto* birth = FindResult(results, "occupants[0].birthDate");
    REQUIRE(birth != nullptr);
    CHECK(birth->code() == "id_birth_mismatch");
    CHECK(birth->severity() == v1::SEVERITY_WARNING);
    CHECK_THAT(birth->message(), Contains("1997-08-22") && Contains(" / "));
    const auto* sex = FindResult(results, "occupants[0].sex");
    REQUIRE(sex != nullptr);
    CHECK(sex->code() == "id_sex_mismatch");
  }
  SECTION("an occupant with neither name nor ID number is an error") {
    *check.add_occupants() = v1::Person();
    const auto results = ValidateRental(check);
    const auto* r = FindResult(results, "occupants[3]");
    REQUIRE(r != nullptr);
    CHECK(r->code() == "missing_identity");
    CHECK(r->severity() == v1::SEVERITY_ERROR);
  }
  SECTION("a rental check needs a unit status") {
    check.clear_unit_status();
    const auto results = ValidateRental(check);
    const auto* r = FindResult(results, "unitStatus");
    REQUIRE(r != nullptr);
    CHECK(r->code() == "missing_unit_status");
  }
  SECTION("dates must be YYYY-MM-DD") {
    check.mutable_occupants(2)->set_moved_in_date("2024-02-30");
    check.mutable_follow_up()->set_due_date("下周");
    const auto results = ValidateRental(check);
    const auto* moved_in = FindResult(results, "occupants[2].movedInDate");
    const auto* due = FindResult(results, "followUp.dueDate");
    REQUIRE(moved_in != nullptr);
    REQUIRE(due != nullptr);
    CHECK(moved_in->code() == "bad_date");
    CHECK(due->code() == "bad_date");
  }
  SECTION("IDs of other types are not checked as resident IDs") {
    check.mutable_occupants(0)->set_id_type("passport");
    check.mutable_occupants(0)->set_id_number("E12345678");
    CHECK(ValidateRental(check).empty());
  }
}

TEST_CASE("ValidateRecord: office sweep needs a company, a record needs a body", "[validate]") {
  v1::OfficeSweep sweep;
  const auto empty_results = ValidateOffice(sweep);
  const auto* r = FindResult(empty_results, "companyName");
  REQUIRE(r != nullptr);
  CHECK(r->code() == "missing_company");
  sweep.set_company_name("郴州市北湖区某某商行");
  CHECK(ValidateOffice(sweep).empty());

  const auto results = ValidateRecord(v1::Record());
  REQUIRE(results.size() == 1);
  CHECK(results[0].code() == "missing_body");
}

TEST_CASE("ValidateRecord: a case update names one subject, a change and a reason",
          "[validate]") {
  auto parsed = ParseCaseUpdateJson(
      R"({"address":{"raw":"郴州市北湖区国庆北路社区3栋2单元502室"},"subjectVersion":1,)"
      R"("denStatus":"raided","reason":"所里统一收网"})");
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  CHECK(parsed->subject_version() == 1);
  v1::Record record;
  *record.mutable_case_update() = *parsed;
  CHECK(ValidateRecord(record).empty());

  auto codes = [&record] {
    std::vector<std::string> out;
    for (const auto& r : ValidateRecord(record)) out.push_back(r.code());
    return out;
  };
  SECTION("den status spelled wrong") {
    record.mutable_case_update()->set_den_status("destroyed");
    CHECK(codes() == std::vector<std::string>{"bad_den_status"});
  }
  SECTION("no reason") {
    record.mutable_case_update()->clear_reason();
    CHECK(codes() == std::vector<std::string>{"missing_reason"});
  }
  SECTION("two subjects, or none") {
    record.mutable_case_update()->set_person_id_number("11010519491231002X");
    CHECK(codes() == std::vector<std::string>{"several_subjects", "den_status_on_person"});
    record.mutable_case_update()->clear_address();
    record.mutable_case_update()->clear_person_id_number();
    CHECK(codes() == std::vector<std::string>{"missing_subject"});
  }
  SECTION("a suspect's disposition with a bad ID number") {
    v1::CaseUpdate* u = record.mutable_case_update();
    u->clear_address();
    u->clear_den_status();
    u->set_person_id_number("110105194912310021");
    u->add_dispositions()->set_code("detained");
    CHECK(codes() == std::vector<std::string>{"bad_check_digit"});
    u->add_dispositions();
    u->set_person_id_number("11010519491231002X");
    CHECK(codes() == std::vector<std::string>{"missing_code"});
  }
  SECTION("nothing changes") {
    record.mutable_case_update()->clear_den_status();
    CHECK(codes() == std::vector<std::string>{"nothing_changed"});
  }
  CHECK_FALSE(ParseCaseUpdateJson(R"({"denStatus":"raided","reasons":"x"})").ok());
}

TEST_CASE("ToJson prints pretty JSON with JSON names that parses back", "[record_json]") {
  const v1::RentalCheck check = ValidRental();
  const std::string json = ToJson(check);
  CHECK_THAT(json, Contains("\n  \"unitStatus\": \"UNIT_STATUS_CHECKED\""));
  CHECK_THAT(json, Contains("\"idNumber\""));
  CHECK_THAT(json, !Contains("id_number"));
  auto back = ParseRentalCheckJson(json);
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  CHECK(back->SerializeAsString() == check.SerializeAsString());
  CHECK(ToJson(v1::RentalCheck()) == "{}\n");
}

// Model check: the strict checker must explain every mistake itself. If it
// passes something that protobuf then refuses, the person gets protobuf's
// poor message instead. Each member value of the example is replaced in turn.
TEST_CASE("the checker and protobuf agree on every value swap", "[record_json]") {
  const std::string text = ReadSourceFile("docs/examples/rental-check.json");
  const std::vector<std::string> replacements = {
      "\"x\"",   "\"40\"", "\"-1\"",   "\"1e3\"",      "1",         "-1", "1.5",
      "1e3",     "true",   "\"true\"", "null",         "{}",        "[]", "[{}]",
      "[\"x\"]", "[1]",    "[null]",   "\"SEX_MALE\"", "4294967296"};
  size_t swaps = 0;
  for (size_t at = text.find("\": "); at != std::string::npos; at = text.find("\": ", at + 1)) {
    const size_t start = at + 3;
    size_t end = start;
    if (text[start] == '"') {
      end = text.find('"', start + 1) + 1;
    } else if (text[start] == '{' || text[start] == '[') {
      int depth = 0;
      do {
        if (text[end] == '{' || text[end] == '[') ++depth;
        if (text[end] == '}' || text[end] == ']') --depth;
        ++end;
      } while (depth > 0);
    } else {
      end = text.find_first_of(",\n}", start);
    }
    for (const auto& replacement : replacements) {
      const std::string variant = text.substr(0, start) + replacement + text.substr(end);
      auto parsed = ParseRentalCheckJson(variant);
      ++swaps;
      if (parsed.ok()) continue;
      INFO(text.substr(start, end - start) << " -> " << replacement);
      CHECK_THAT(parsed.status().message(), !Contains("Protobuf parser"));
    }
  }
  CHECK(swaps > 1000);
}

}  // namespace sweep::schema
