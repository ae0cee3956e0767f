// Fuzzes the record JSON reader (sweep/schema/record_json.h): the whole input
// as a RentalCheck, as an OfficeSweep and as RentalCheck JSON Lines; every
// body that parses is also validated (ValidateRecord) and printed back.
//
// Invariants (abort on violation): no crash; a body that parses prints with
// ToJson to JSON that parses again to the same message; and Sweep's strict
// checker never passes on text that protobuf's parser then refuses
// (record_json.cc: "It should accept whatever the checker accepted").
//
// Seeds: docs/examples (corpus/record_json_fuzz/).
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/schema/record_json.h"
#include "sweep/schema/status.h"
#include "sweep/v1/record.pb.h"

namespace {

namespace v1 = sweep::v1;
namespace schema = sweep::schema;

[[noreturn]] void Violation(const std::string& what) {
  std::fprintf(stderr, "\nINVARIANT VIOLATED: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// The messages record_json.cc's ProtobufParse gives (matched at the start:
// other messages quote the input, which may hold anything).
void CheckNotRefusedLate(const sweep::Status& status, const char* type) {
  const std::string& m = status.message();
  if (m.starts_with(std::string(type) + " JSON refused by the Protobuf parser") ||
      m.starts_with("Protobuf JSON parser failed")) {
    Violation(std::string(type) + ": the strict checker passed what protobuf then refused: " + m);
  }
}

template <typename T>
void RoundTrip(const T& body, sweep::Result<T> (*parse)(std::string_view), const char* type) {
  const std::string json = schema::ToJson(body);
  if (json.empty()) Violation(std::string(type) + ": ToJson printed nothing for a parsed body");
  sweep::Result<T> again = parse(json);
  if (!again.ok()) {
    Violation(std::string(type) + ": ToJson's output does not parse back: " +
              again.status().message() + "\n--- printed:\n" + json);
  }
  if (!google::protobuf::util::MessageDifferencer::Equals(body, *again)) {
    Violation(std::string(type) +
              ": ToJson's output parses to a different message\n--- printed:\n" + json);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);

  sweep::Result<v1::RentalCheck> rental = schema::ParseRentalCheckJson(json);
  if (rental.ok()) {
    v1::Record record;
    *record.mutable_rental_check() = *rental;
    (void)schema::ValidateRecord(record);
    RoundTrip<v1::RentalCheck>(*rental, &schema::ParseRentalCheckJson, "RentalCheck");
  } else {
    CheckNotRefusedLate(rental.status(), "RentalCheck");
  }

  sweep::Result<v1::OfficeSweep> office = schema::ParseOfficeSweepJson(json);
  if (office.ok()) {
    v1::Record record;
    *record.mutable_office_sweep() = *office;
    (void)schema::ValidateRecord(record);
    RoundTrip<v1::OfficeSweep>(*office, &schema::ParseOfficeSweepJson, "OfficeSweep");
  } else {
    CheckNotRefusedLate(office.status(), "OfficeSweep");
  }

  // Lines reuse the body parser; this covers the splitting (BOM, \r\n, blanks).
  std::vector<schema::LineError> errors;
  std::vector<v1::RentalCheck> checks = schema::ParseRentalCheckJsonLines(json, &errors);
  for (const schema::LineError& e : errors) {
    if (e.line == 0 || e.message.empty()) Violation("JSON Lines: an error without line or message");
  }
  return 0;
}
