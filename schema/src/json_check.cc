#include "json_check.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::schema::internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;
using Kind = JsonValue::Kind;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = (c == '-' || c == ' ') ? '_'
                               : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// Optimal string alignment distance (Levenshtein plus adjacent transposition).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string Join(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

std::string JoinList(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool IsWellKnown(const Descriptor* type) { return type->file()->package() == "google.protobuf"; }

const FieldDescriptor* FindField(const Descriptor* type, const std::string& key) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    if (f->json_name() == key || f->name() == key) return f;
  }
  return nullptr;
}

// The enum value names a person should choose from (the zero value of a
// proto3 enum means "not given", so it is left out when there are others).
std::vector<std::string> EnumChoices(const EnumDescriptor* e) {
  std::vector<std::string> names;
  for (int i = 0; i < e->value_count(); ++i) {
    if (e->value(i)->number() != 0 || e->value_count() == 1) names.push_back(e->value(i)->name());
  }
  return names;
}

// "male" → SEX_MALE, "M" → SEX_MALE, "cheked" → UNIT_STATUS_CHECKED.
std::string EnumSuggestion(const std::vector<std::string>& names, std::string_view typed) {
  if (names.empty() || typed.empty()) return "";
  const std::string want = Upper(typed);
  // The shared prefix up to a '_' ("UNIT_STATUS_"), so "checked" can match.
  std::string prefix = names[0];
  for (const auto& n : names) {
    size_t k = 0;
    while (k < prefix.size() && k < n.size() && prefix[k] == n[k]) ++k;
    prefix.resize(k);
  }
  const size_t underscore = prefix.rfind('_');
  prefix.resize(underscore == std::string::npos ? 0 : underscore + 1);
  const std::string want_suffix = want.rfind(prefix, 0) == 0 ? want.substr(prefix.size()) : want;
  std::vector<std::string> suffixes;
  std::vector<std::string> starting;
  for (const auto& n : names) {
    suffixes.push_back(n.substr(prefix.size()));
    if (want_suffix == suffixes.back()) return n;
    if (!want_suffix.empty() && suffixes.back().rfind(want_suffix, 0) == 0) starting.push_back(n);
  }
  if (starting.size() == 1) return starting[0];
  const std::string close = ClosestName(want_suffix, suffixes);
  if (close.empty()) return "";
  return names[std::find(suffixes.begin(), suffixes.end(), close) - suffixes.begin()];
}

struct IntRange {
  __int128 lo;
  __int128 hi;
};

IntRange RangeOf(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return {INT32_MIN, INT32_MAX};
    case FieldDescriptor::CPPTYPE_UINT32:
      return {0, UINT32_MAX};
    case FieldDescriptor::CPPTYPE_INT64:
      return {INT64_MIN, INT64_MAX};
    default:
      return {0, UINT64_MAX};
  }
}

std::string ToString(__int128 v) {
  if (v < 0) return "-" + ToString(-v);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v > 0);
  return digits;
}

// A JSON number exactly as written, with no spaces around it.
bool IsNumberToken(const std::string& text) {
  constexpr std::string_view kSpace = " \t\r\n";
  if (text.empty() || kSpace.find(text.front()) != std::string_view::npos ||
      kSpace.find(text.back()) != std::string_view::npos) {
    return false;
  }
  auto parsed = ParseJsonStrict(text);
  return parsed.ok() && parsed->kind == Kind::kNumber;
}

// The integer in a JSON number (1e3 and 40.0 are whole numbers) or in a
// string, where protobuf takes only optional '-' and digits ("40"). False if
// it is not a whole number or is too large to matter (|v| > 2^65).
bool ParseWholeNumber(const JsonValue& v, __int128* out) {
  const std::string& token = v.text;
  const bool negative = !token.empty() && token[0] == '-';
  const size_t first_digit = negative ? 1 : 0;
  const bool plain = token.size() > first_digit &&
                     token.find_first_not_of("0123456789", first_digit) == std::string::npos;
  if (v.kind == Kind::kString && !plain) return false;
  if (v.kind != Kind::kString && v.kind != Kind::kNumber) return false;
  if (!plain) {
    const long double x = std::strtold(token.c_str(), nullptr);
    if (!std::isfinite(x) || std::floor(x) != x || std::fabs(x) > 3.7e19L) return false;
    *out = static_cast<__int128>(x);
    return true;
  }
  __int128 x = 0;
  for (size_t i = first_digit; i < token.size(); ++i) {
    x = x * 10 + (token[i] - '0');
    if (x > (static_cast<__int128>(1) << 65)) return false;
  }
  *out = negative ? -x : x;
  return true;
}

// What the elements of a repeated field are, for "expected an array of ...".
std::string ElementDescription(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "objects (" + f->message_type()->name() + ")";
    case FieldDescriptor::CPPTYPE_STRING:
      return "strings";
    case FieldDescriptor::CPPTYPE_ENUM:
      return "names of " + f->enum_type()->name() + " values";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true/false values";
    default:
      return "numbers";
  }
}

class Checker {
 public:
  explicit Checker(std::string_view text) : text_(text) {}
  Status Message(const Descriptor* type, const JsonValue& v, const std::string& path);

 private:
  Status Field(const FieldDescriptor* f, const JsonValue& v, const std::string& path);
  Status Single(const FieldDescriptor* f, const JsonValue& v, const std::string& path);
  Status Integer(const FieldDescriptor* f, const JsonValue& v, const std::string& path);
  Status Enum(const FieldDescriptor* f, const JsonValue& v, const std::string& path);
  Status UnknownField(const Descriptor* type, const JsonValue& obj, size_t i,
                      const std::string& path);
  Status Duplicate(const Descriptor* type, const JsonValue& obj, size_t first, size_t second,
                   const std::string& path);

  // "<path>: expected <what>, got <value>[; <hint>] (at line L, column C)"
  Status Bad(const std::string& path, const JsonValue& v, const std::string& expected,
             const std::string& hint = "") {
    return At(v.offset, path + ": expected " + expected + ", got " + DescribeValue(v) +
                            (hint.empty() ? "" : "; " + hint));
  }
  Status At(size_t offset, const std::string& message) {
    return Status::InvalidArgument(message + " (at " + DescribePosition(text_, offset) + ")");
  }

  std::string_view text_;
};

Status Checker::Message(const Descriptor* type, const JsonValue& v, const std::string& path) {
  if (IsWellKnown(type)) return Status::Ok();  // not used by Sweep; protobuf checks these
  if (v.kind != Kind::kObject) {
    if (!path.empty()) return Bad(path, v, "an object (" + type->name() + ")");
    return At(v.offset, "expected a JSON object (" + WithArticle(type->name()) +
                            ") at the top level, got " + DescribeValue(v));
  }
  std::map<const FieldDescriptor*, size_t> seen;
  std::map<const OneofDescriptor*, size_t> oneofs;
  for (size_t i = 0; i < v.keys.size(); ++i) {
    const FieldDescriptor* f = FindField(type, v.keys[i]);
    if (f == nullptr) return UnknownField(type, v, i, path);
    if (auto it = seen.find(f); it != seen.end()) return Duplicate(type, v, it->second, i, path);
    seen[f] = i;
    if (v.items[i].kind == Kind::kNull) continue;  // null means "not set"
    if (const OneofDescriptor* o = f->real_containing_oneof(); o != nullptr) {
      if (auto it = oneofs.find(o); it != oneofs.end()) {
        return At(v.key_offsets[i],
                  "'" + v.keys[it->second] + "' and '" + v.keys[i] + "' are both set in " +
                      (path.empty() ? type->name() : path) + ", but only one of them may be");
      }
      oneofs[o] = i;
    }
    SWEEP_RETURN_IF_ERROR(Field(f, v.items[i], Join(path, f->json_name())));
  }
  return Status::Ok();
}

Status Checker::UnknownField(const Descriptor* type, const JsonValue& obj, size_t i,
                             const std::string& path) {
  std::vector<std::string> names;
  names.reserve(type->field_count());
  for (int k = 0; k < type->field_count(); ++k) names.push_back(type->field(k)->json_name());
  const std::string& key = obj.keys[i];
  std::string message = "unknown field '" + key + "' in " + (path.empty() ? type->name() : path);
  const std::string close = ClosestName(key, names);
  if (!close.empty()) {
    message += "; did you mean '" + close + "'?";
  } else {
    message += "; the fields of " + type->name() + " are: " + JoinList(names);
  }
  return At(obj.key_offsets[i], message);
}

Status Checker::Duplicate(const Descriptor* type, const JsonValue& obj, size_t first, size_t second,
                          const std::string& path) {
  const std::string where = path.empty() ? type->name() : path;
  const std::string first_pos = DescribePosition(text_, obj.key_offsets[first]);
  if (obj.keys[first] == obj.keys[second]) {
    return At(obj.key_offsets[second], "field '" + obj.keys[second] + "' appears twice in " +
                                           where + " (first at " + first_pos + "); keep only one");
  }
  return At(obj.key_offsets[second], "'" + obj.keys[first] + "' (at " + first_pos + ") and '" +
                                         obj.keys[second] + "' are the same field of " + where +
                                         "; keep only one");
}

Status Checker::Field(const FieldDescriptor* f, const JsonValue& v, const std::string& path) {
  if (f->is_map()) {
    if (v.kind != Kind::kObject) return Bad(path, v, "an object (a map)");
    const FieldDescriptor* value_field = f->message_type()->map_value();
    for (size_t i = 0; i < v.keys.size(); ++i) {
      SWEEP_RETURN_IF_ERROR(Single(value_field, v.items[i], path + "[\"" + v.keys[i] + "\"]"));
    }
    return Status::Ok();
  }
  if (!f->is_repeated()) return Single(f, v, path);
  if (v.kind != Kind::kArray) {
    return Bad(path, v, "an array of " + ElementDescription(f), "wrap a single value in [ ]");
  }
  for (size_t i = 0; i < v.items.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    if (v.items[i].kind == Kind::kNull) {
      return At(v.items[i].offset, item_path + ": null is not allowed in a list; remove it");
    }
    SWEEP_RETURN_IF_ERROR(Single(f, v.items[i], item_path));
  }
  return Status::Ok();
}

Status Checker::Single(const FieldDescriptor* f, const JsonValue& v, const std::string& path) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return Message(f->message_type(), v, path);
    case FieldDescriptor::CPPTYPE_ENUM:
      return Enum(f, v, path);
    case FieldDescriptor::CPPTYPE_BOOL:
      if (v.kind == Kind::kBool) return Status::Ok();
      return Bad(path, v, "true or false",
                 v.kind == Kind::kString && (v.text == "true" || v.text == "false")
                     ? "write it without quotes"
                     : "");
    case FieldDescriptor::CPPTYPE_STRING:
      if (v.kind == Kind::kString) return Status::Ok();
      if (f->type() == FieldDescriptor::TYPE_BYTES) return Bad(path, v, "a base64 string");
      return Bad(path, v, "a string",
                 v.kind == Kind::kNumber ? "put it in double quotes (numbers such as IDs, phone "
                                           "and card numbers are text)"
                                         : "");
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const bool ok = v.kind == Kind::kNumber ||
                      (v.kind == Kind::kString && (IsNumberToken(v.text) || v.text == "NaN" ||
                                                   v.text == "Infinity" || v.text == "-Infinity"));
      return ok ? Status::Ok() : Bad(path, v, "a number");
    }
    default:
      return Integer(f, v, path);
  }
}

Status Checker::Integer(const FieldDescriptor* f, const JsonValue& v, const std::string& path) {
  const IntRange range = RangeOf(f);
  const std::string expected =
      "a whole number from " + ToString(range.lo) + " to " + ToString(range.hi);
  if (v.kind != Kind::kNumber && v.kind != Kind::kString) return Bad(path, v, expected);
  __int128 value = 0;
  if (!ParseWholeNumber(v, &value)) {
    return Bad(path, v, expected, v.kind == Kind::kString ? "write the number in digits" : "");
  }
  const bool negative_string = v.kind == Kind::kString && range.lo == 0 && v.text[0] == '-';
  if (value < range.lo || value > range.hi || negative_string) {
    return Bad(path, v, expected, "it is out of range");
  }
  return Status::Ok();
}

Status Checker::Enum(const FieldDescriptor* f, const JsonValue& v, const std::string& path) {
  const EnumDescriptor* e = f->enum_type();
  if (e->full_name() == "google.protobuf.NullValue") return Status::Ok();
  if (v.kind == Kind::kString && e->FindValueByName(v.text) != nullptr) return Status::Ok();
  __int128 number = 0;
  if (v.kind == Kind::kNumber && ParseWholeNumber(v, &number) && number >= INT32_MIN &&
      number <= INT32_MAX && e->FindValueByNumber(static_cast<int>(number)) != nullptr) {
    return Status::Ok();
  }
  const std::vector<std::string> choices = EnumChoices(e);
  std::string hint;
  if (v.kind == Kind::kString) {
    const std::string suggestion = EnumSuggestion(choices, v.text);
    if (!suggestion.empty()) hint = "did you mean " + suggestion + "?";
  }
  return Bad(path, v, "one of " + JoinList(choices), hint);
}

}  // namespace

Status CheckJsonAgainst(const Descriptor* type, const JsonValue& root, std::string_view text) {
  return Checker(text).Message(type, root, "");
}

std::string WithArticle(const std::string& noun) {
  const bool vowel =
      !noun.empty() && std::string_view("AEIOUaeiou").find(noun[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + noun;
}

std::string ClosestName(std::string_view typed, const std::vector<std::string>& candidates) {
  const std::string want = Lower(typed);
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const auto& candidate : candidates) {
    const std::string have = Lower(candidate);
    const size_t d = EditDistance(want, have);
    const size_t shorter = std::min(want.size(), have.size());
    size_t common = 0;
    while (common < shorter && want[common] == have[common]) ++common;
    const bool typo = d <= std::max<size_t>(1, shorter / 3);
    const bool abbreviation = common >= 3 && d <= have.size() / 2 + 1;
    if ((typo || abbreviation) && d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace sweep::schema::internal
