// Checks a parsed JSON tree against a Protobuf message type, following the
// Protobuf JSON mapping but more strictly than protobuf 3.21's parser, and
// explains the first problem with a field path in JSON names, what was
// expected, what was found, a hint and a position:
//
//   occupants[0].sex: expected one of SEX_MALE, SEX_FEMALE, got "M"; did you
//   mean SEX_MALE? (at line 9, column 14)
//
// Stricter than protobuf: a field given twice (also as "id_number" and
// "idNumber") is refused instead of silently keeping the last; repeated
// fields need an array (protobuf also takes a lone value); bools must be
// true/false, not "true"; integer enum values must be defined; null is not an
// array element. Private to sweep_schema. Pure functions; thread-safe.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>
#include <string_view>
#include <vector>

#include "json_reader.h"
#include "sweep/schema/status.h"

namespace sweep::schema::internal {

// REQUIRES: `root` was parsed from `text` (offsets index into it).
Status CheckJsonAgainst(const google::protobuf::Descriptor* type, const JsonValue& root,
                        std::string_view text);

// The candidate closest to `typed` (case-insensitive edit distance with
// transpositions, allowing abbreviations that keep a 3-letter prefix such as
// "idNo" for "idNumber"), or "" when none is close enough to suggest.
std::string ClosestName(std::string_view typed, const std::vector<std::string>& candidates);

// "a RentalCheck", "an OfficeSweep".
std::string WithArticle(const std::string& noun);

}  // namespace sweep::schema::internal
