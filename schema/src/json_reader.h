// A small, strict JSON reader (RFC 8259) used to find and explain mistakes in
// record JSON before Protobuf sees it. Protobuf 3.21's parser is lenient in
// ways that lose data silently (duplicate keys, single quotes, unknown escapes)
// and its errors carry no position, so Sweep reads the text itself first.
//
// The tree keeps the byte offset of every value and key so that messages can
// say "line 3, column 14". Private to sweep_schema. Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/schema/status.h"

namespace sweep::schema::internal {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  // kString: the decoded UTF-8 text; kNumber: the token as written;
  // kBool: "true" or "false".
  std::string text;
  // kArray: the elements; kObject: the member values, parallel to `keys`.
  std::vector<JsonValue> items;
  std::vector<std::string> keys;
  std::vector<size_t> key_offsets;
  size_t offset = 0;  // byte offset of the value's first character
};

// Nesting deeper than this is refused (protects the stack on hostile input).
inline constexpr int kMaxJsonDepth = 100;

// Parses exactly one JSON value (surrounded by optional whitespace).
// Errors are InvalidArgument with a position and a hint.
Result<JsonValue> ParseJsonStrict(std::string_view text);

// "line 3, column 14" (columns count Unicode characters, 1-based), or just
// "column 14" when `text` is a single line.
std::string DescribePosition(std::string_view text, size_t offset);

// A short rendering of a value for messages: "\"M\"", "42", "true", "null",
// "an object", "an array". Long strings are shortened.
std::string DescribeValue(const JsonValue& value);

}  // namespace sweep::schema::internal
