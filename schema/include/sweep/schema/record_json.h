// Reading and writing records as JSON (the Protobuf JSON mapping) and
// validating their identifiers.
//
// Parse errors name the field path and what was expected, e.g.
// `occupants[0].sex: expected one of SEX_MALE, SEX_FEMALE, got "M"`.
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sweep/schema/status.h"
#include "sweep/v1/record.pb.h"

namespace sweep::schema {

// Parses one JSON object into a RentalCheck / OfficeSweep body. Unknown
// fields are an error (a typo must not silently drop data). The JSON must be
// strict RFC 8259 JSON (a leading UTF-8 byte-order mark is skipped); a field
// given twice, a lone value for a list, "true" in quotes for a bool or an
// undefined enum number are refused, although protobuf alone would take them.
Result<v1::RentalCheck> ParseRentalCheckJson(std::string_view json);
Result<v1::OfficeSweep> ParseOfficeSweepJson(std::string_view json);
Result<v1::CaseUpdate> ParseCaseUpdateJson(std::string_view json);

// One line of a JSON Lines file that failed, 1-based.
struct LineError {
  size_t line = 0;
  std::string message;
};

// Parses a JSON Lines text holding one RentalCheck body per line (blank lines
// are skipped; "\r\n" endings are fine). Lines that fail are reported in
// `errors` and left out; the others are returned in order.
// REQUIRES: errors != nullptr.
std::vector<v1::RentalCheck> ParseRentalCheckJsonLines(std::string_view text,
                                                       std::vector<LineError>* errors);

// Runs every identifier check on the body of `record` (occupants', landlord's
// and persons' ID numbers, phones and bank cards; the credit code) and
// returns one ValidationResult per warning or error, with the field path in
// JSON names ("occupants[1].idNumber"). Valid values produce no result, even
// when typed in another form ("+86 139-0735-1862"). ID numbers are checked
// as resident IDs only when idType is "" or "resident_id".
// Cross-field codes: id_birth_mismatch and id_sex_mismatch (warnings: the ID
// number contradicts birthDate/sex), missing_identity (a person with neither
// name nor ID number; the landlord is exempt), missing_unit_status,
// missing_company (no companyName and no creditCode), bad_date (not
// YYYY-MM-DD), unknown_id_type (warning), missing_body. Each message is the
// English reason, " / ", then the Chinese one.
std::vector<v1::ValidationResult> ValidateRecord(const v1::Record& record);

// An identifier a record carries, as the checks above normalised it, so
// that callers (the store's keyed-hash index, the watchlist) need not check
// it again: `kind` is "id", "phone", "card" or "uscc"; `normalized` is the
// verdict's canonical value, else NormalizeIdentifierInput of what was
// typed; `valid` is false when the check found an error.
struct RecordIdentifier {
  std::string field;
  std::string kind;
  std::string normalized;
  bool valid = false;
};
// The same checks, also listing every identifier (when `identifiers` is not
// null). ID numbers of non-resident types are listed too (checked as
// resident IDs only for their normalised form; no result is added for them).
std::vector<v1::ValidationResult> ValidateRecord(const v1::Record& record,
                                                 std::vector<RecordIdentifier>* identifiers);

// Pretty JSON of any message (for `show`), two-space indent, enums as names,
// fields with default values omitted, 64-bit integers as strings (the
// Protobuf JSON mapping). Returns "" if protobuf cannot print the message
// (not expected for Sweep's messages). A string field holding invalid UTF-8
// (impossible after parsing, possible if code sets one) prints as "" and
// protobuf logs an error: protobuf 3.21's behaviour.
std::string ToJson(const google::protobuf::Message& message);

}  // namespace sweep::schema
