// Reading and writing record bodies as JSON. The text is first read by Sweep's
// own strict reader and checked against the message descriptor (json_check),
// which explains mistakes with a field path and position; only then does
// protobuf's parser build the message.
#include "sweep/schema/record_json.h"

#include <google/protobuf/util/json_util.h>

#include <exception>
#include <string>

#include "json_check.h"
#include "json_reader.h"

namespace sweep::schema {
namespace {

namespace pbutil = google::protobuf::util;

std::string_view StripByteOrderMark(std::string_view json) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (json.substr(0, kBom.size()) == kBom) json.remove_prefix(kBom.size());
  return json;
}

// The last word: protobuf's own parser. It should accept whatever the checker
// accepted; if it does not, its message is passed on (it names proto field
// names and carries no position).
Status ProtobufParse(std::string_view json, google::protobuf::Message* message) {
  pbutil::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  try {
    const pbutil::Status status = pbutil::JsonStringToMessage(std::string(json), message, options);
    if (status.ok()) return Status::Ok();
    return Status::InvalidArgument(
        message->GetDescriptor()->name() +
        " JSON refused by the Protobuf parser: " + std::string(status.message()));
  } catch (const std::exception& e) {
    return Status::Internal(std::string("Protobuf JSON parser failed: ") + e.what());
  }
}

// A whole Record given where a body is expected is a likely mix-up; say so
// rather than "unknown field 'rentalCheck'".
Status CheckNotWholeRecord(const google::protobuf::Descriptor* body,
                           const internal::JsonValue& tree, std::string_view json) {
  if (tree.kind != internal::JsonValue::Kind::kObject) return Status::Ok();
  const google::protobuf::Descriptor* record = v1::Record::descriptor();
  std::string body_field;
  for (int k = 0; k < record->field_count(); ++k) {
    if (record->field(k)->message_type() == body) body_field = record->field(k)->json_name();
  }
  for (size_t i = 0; i < tree.keys.size(); ++i) {
    const std::string& key = tree.keys[i];
    const auto* field = record->FindFieldByName(key);
    if (field == nullptr) field = record->FindFieldByCamelcaseName(key);
    if (field == nullptr || body->FindFieldByName(field->name()) != nullptr) continue;
    return Status::InvalidArgument("this looks like a whole Record (it has '" + key + "' at " +
                                   internal::DescribePosition(json, tree.key_offsets[i]) +
                                   "), but " + internal::WithArticle(body->name()) +
                                   " body was expected; give only the value of '" + body_field +
                                   "'");
  }
  return Status::Ok();
}

template <typename T>
Result<T> ParseBodyJson(std::string_view json) {
  json = StripByteOrderMark(json);
  SWEEP_ASSIGN_OR_RETURN(internal::JsonValue tree, internal::ParseJsonStrict(json));
  SWEEP_RETURN_IF_ERROR(CheckNotWholeRecord(T::descriptor(), tree, json));
  SWEEP_RETURN_IF_ERROR(internal::CheckJsonAgainst(T::descriptor(), tree, json));
  T message;
  SWEEP_RETURN_IF_ERROR(ProtobufParse(json, &message));
  return message;
}

// protobuf 3.21 indents by one space per level; Sweep shows two. Its output
// escapes newlines inside strings, so every line starts with indentation only.
std::string DoubleIndent(const std::string& json) {
  std::string out;
  out.reserve(json.size() * 5 / 4);
  bool line_start = true;
  for (const char c : json) {
    if (line_start && c == ' ') {
      out += "  ";
      continue;
    }
    line_start = c == '\n';
    out.push_back(c);
  }
  return out;
}

}  // namespace

Result<v1::RentalCheck> ParseRentalCheckJson(std::string_view json) {
  return ParseBodyJson<v1::RentalCheck>(json);
}

Result<v1::OfficeSweep> ParseOfficeSweepJson(std::string_view json) {
  return ParseBodyJson<v1::OfficeSweep>(json);
}

Result<v1::CaseUpdate> ParseCaseUpdateJson(std::string_view json) {
  return ParseBodyJson<v1::CaseUpdate>(json);
}

std::vector<v1::RentalCheck> ParseRentalCheckJsonLines(std::string_view text,
                                                       std::vector<LineError>* errors) {
  std::vector<v1::RentalCheck> checks;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line_number == 1) line = StripByteOrderMark(line);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Result<v1::RentalCheck> check = ParseRentalCheckJson(line);
    if (check.ok()) {
      checks.push_back(std::move(check).value());
    } else {
      errors->push_back({line_number, check.status().message()});
    }
  }
  return checks;
}

std::string ToJson(const google::protobuf::Message& message) {
  pbutil::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = false;
  options.always_print_primitive_fields = false;
  std::string out;
  try {
    if (!pbutil::MessageToJsonString(message, &out, options).ok()) return "";
  } catch (const std::exception&) {
    return "";
  }
  return DoubleIndent(out);
}

}  // namespace sweep::schema
