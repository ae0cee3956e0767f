#include "json_reader.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

namespace sweep::schema::internal {
namespace {

constexpr std::string_view kValueKinds =
    "a value (an object, array, string, number, true, false or null)";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Length of the well-formed UTF-8 sequence at text[pos], or 0 if malformed
// (bad lead byte, truncated, overlong, surrogate or beyond U+10FFFF).
size_t Utf8Length(std::string_view text, size_t pos) {
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c < 0x80) return 1;
  // Sequence length, the payload bits of the lead byte, and the smallest
  // code point that needs this length (anything below is overlong).
  size_t n = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (pos + n > text.size()) return 0;
  for (size_t i = 1; i < n; ++i) {
    const auto b = static_cast<unsigned char>(text[pos + i]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string Hex(unsigned value, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*X", width, value);
  return buf;
}

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  Status ReadDocument(JsonValue* out);

 private:
  Status ReadValue(JsonValue* out, int depth);
  Status ReadObject(JsonValue* out, int depth);
  Status ReadArray(JsonValue* out, int depth);
  Status ReadString(std::string* out);
  Status ReadEscape(std::string* out);
  Status ReadHex4(uint32_t* out);
  Status ReadNumber(JsonValue* out);
  Status ReadLiteral(JsonValue* out);
  Status ReadDigits(std::string_view after);

  void SkipSpace() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  // Steps over a closing character.
  Status Consume() {
    ++pos_;
    return Status::Ok();
  }
  std::string Found() const;
  Status Fail(size_t offset, std::string_view what) const {
    return Status::InvalidArgument("not valid JSON at " + DescribePosition(text_, offset) + ": " +
                                   std::string(what));
  }
  Status Unclosed(std::string_view what, size_t open, std::string_view expected) const {
    return Status::InvalidArgument(
        "the JSON text ends too early (at " + DescribePosition(text_, pos_) + "): the " +
        std::string(what) + " opened at " + DescribePosition(text_, open) +
        " is not closed; expected " + std::string(expected) + ". Is the file truncated?");
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// What is at the read position, for "found ..." in messages.
std::string Reader::Found() const {
  if (AtEnd()) return "the end of the input";
  const auto c = static_cast<unsigned char>(text_[pos_]);
  if (c < 0x20 || c == 0x7F) return "the control character U+" + Hex(c, 4);
  if (c < 0x80) return "'" + std::string(1, static_cast<char>(c)) + "'";
  const size_t n = Utf8Length(text_, pos_);
  if (n == 0) return "the byte 0x" + Hex(c, 2) + " (not UTF-8)";
  return "'" + std::string(text_.substr(pos_, n)) + "'";
}

Status Reader::ReadDocument(JsonValue* out) {
  SkipSpace();
  if (AtEnd()) return Status::InvalidArgument("the input is empty: expected a JSON object");
  SWEEP_RETURN_IF_ERROR(ReadValue(out, 1));
  SkipSpace();
  if (!AtEnd()) {
    return Fail(pos_, "unexpected " + Found() +
                          " after the end of the JSON value; the input must hold exactly one "
                          "JSON value (put several records one per line in a .jsonl file)");
  }
  return Status::Ok();
}

Status Reader::ReadValue(JsonValue* out, int depth) {
  if (depth > kMaxJsonDepth) {
    return Fail(pos_,
                "values are nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
  }
  SkipSpace();
  if (AtEnd()) return Fail(pos_, "expected " + std::string(kValueKinds) + ", found " + Found());
  out->offset = pos_;
  const char c = text_[pos_];
  if (c == '{') return ReadObject(out, depth);
  if (c == '[') return ReadArray(out, depth);
  if (c == '"') {
    out->kind = JsonValue::Kind::kString;
    return ReadString(&out->text);
  }
  if (c == '-' || IsDigit(c)) return ReadNumber(out);
  if (c == 't' || c == 'f' || c == 'n') return ReadLiteral(out);
  if (c == '\'') return Fail(pos_, "strings must be in double quotes (\"), found a single quote");
  return Fail(pos_, "expected " + std::string(kValueKinds) + ", found " + Found() +
                        (c == 'T' || c == 'F' || c == 'N' ? " (JSON literals are lowercase)" : ""));
}

Status Reader::ReadObject(JsonValue* out, int depth) {
  const size_t open = pos_++;
  out->kind = JsonValue::Kind::kObject;
  SkipSpace();
  if (!AtEnd() && text_[pos_] == '}') return Consume();
  while (true) {
    SkipSpace();
    if (AtEnd()) return Unclosed("object", open, "a member name in double quotes");
    if (text_[pos_] == '}') return Fail(pos_, "a comma before '}' is not allowed; remove it");
    if (text_[pos_] == '\'') return Fail(pos_, "member names must be in double quotes (\")");
    if (text_[pos_] != '"') {
      return Fail(pos_, "expected a member name in double quotes, found " + Found());
    }
    out->key_offsets.push_back(pos_);
    std::string key;
    SWEEP_RETURN_IF_ERROR(ReadString(&key));
    SkipSpace();
    if (AtEnd()) return Unclosed("object", open, "':'");
    if (text_[pos_] != ':') {
      return Fail(pos_, "expected ':' after \"" + key + "\", found " + Found());
    }
    ++pos_;
    SkipSpace();
    if (AtEnd()) return Unclosed("object", open, "the value of \"" + key + "\"");
    out->items.emplace_back();
    SWEEP_RETURN_IF_ERROR(ReadValue(&out->items.back(), depth + 1));
    out->keys.push_back(std::move(key));
    SkipSpace();
    if (AtEnd()) return Unclosed("object", open, "',' or '}'");
    if (text_[pos_] == '}') return Consume();
    if (text_[pos_] != ',') {
      return Fail(pos_, "expected ',' or '}' after the value of \"" + out->keys.back() +
                            "\", found " + Found() + " (is a comma missing?)");
    }
    ++pos_;
  }
}

Status Reader::ReadArray(JsonValue* out, int depth) {
  const size_t open = pos_++;
  out->kind = JsonValue::Kind::kArray;
  SkipSpace();
  if (!AtEnd() && text_[pos_] == ']') return Consume();
  while (true) {
    SkipSpace();
    if (AtEnd()) return Unclosed("array", open, "a value");
    if (text_[pos_] == ']') return Fail(pos_, "a comma before ']' is not allowed; remove it");
    out->items.emplace_back();
    SWEEP_RETURN_IF_ERROR(ReadValue(&out->items.back(), depth + 1));
    SkipSpace();
    if (AtEnd()) return Unclosed("array", open, "',' or ']'");
    if (text_[pos_] == ']') return Consume();
    if (text_[pos_] != ',') {
      return Fail(pos_, "expected ',' or ']' after an array element, found " + Found() +
                            " (is a comma missing?)");
    }
    ++pos_;
  }
}

Status Reader::ReadString(std::string* out) {
  const size_t open = pos_++;
  while (true) {
    if (AtEnd()) return Unclosed("string", open, "a closing '\"'");
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') return Consume();
    if (c == '\\') {
      SWEEP_RETURN_IF_ERROR(ReadEscape(out));
      continue;
    }
    if (c < 0x20) {
      return Fail(pos_, c == '\n' ? "line break inside a string (is a closing '\"' missing?)"
                                  : "control character U+" + Hex(c, 4) +
                                        " inside a string; write it as \\u" + Hex(c, 4));
    }
    const size_t n = Utf8Length(text_, pos_);
    if (n == 0) {
      return Fail(pos_, "the byte 0x" + Hex(c, 2) +
                            " is not UTF-8; save the file as UTF-8 (convert GBK/GB18030 files "
                            "first, e.g. with iconv -f GB18030 -t UTF-8)");
    }
    out->append(text_.substr(pos_, n));
    pos_ += n;
  }
}

Status Reader::ReadHex4(uint32_t* out) {
  *out = 0;
  for (int i = 0; i < 4; ++i, ++pos_) {
    if (AtEnd()) return Fail(pos_, "expected 4 hex digits after \\u, found the end of the input");
    const char c = text_[pos_];
    uint32_t digit = 0;
    if (IsDigit(c)) {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return Fail(pos_, "expected 4 hex digits after \\u, found " + Found());
    }
    *out = *out * 16 + digit;
  }
  return Status::Ok();
}

Status Reader::ReadEscape(std::string* out) {
  const size_t start = pos_++;
  if (AtEnd()) return Fail(pos_, "the input ends inside an escape sequence");
  const char c = text_[pos_++];
  constexpr std::string_view kEscaped = "\"\\/bfnrt";
  constexpr std::string_view kMeaning = "\"\\/\b\f\n\r\t";
  if (const size_t k = kEscaped.find(c); k != std::string_view::npos) {
    out->push_back(kMeaning[k]);
    return Status::Ok();
  }
  if (c != 'u') {
    pos_ = start;
    return Fail(start,
                "invalid escape; the valid ones are \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                "and \\uXXXX (write a backslash as \\\\)");
  }
  uint32_t cp = 0;
  SWEEP_RETURN_IF_ERROR(ReadHex4(&cp));
  if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail(start, "a lone low surrogate \\u" + Hex(cp, 4));
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (text_.substr(pos_, 2) != "\\u") {
      return Fail(start, "the high surrogate \\u" + Hex(cp, 4) +
                             " must be followed by a low surrogate (\\uDC00 to \\uDFFF)");
    }
    pos_ += 2;
    uint32_t low = 0;
    SWEEP_RETURN_IF_ERROR(ReadHex4(&low));
    if (low < 0xDC00 || low > 0xDFFF) {
      return Fail(start, "the high surrogate \\u" + Hex(cp, 4) + " is followed by \\u" +
                             Hex(low, 4) + ", not by a low surrogate");
    }
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  AppendUtf8(cp, out);
  return Status::Ok();
}

// One or more digits; `after` names what they follow, for the message.
Status Reader::ReadDigits(std::string_view after) {
  if (AtEnd() || !IsDigit(text_[pos_])) {
    return Fail(pos_, "expected a digit after " + std::string(after) + ", found " + Found());
  }
  while (!AtEnd() && IsDigit(text_[pos_])) ++pos_;
  return Status::Ok();
}

Status Reader::ReadNumber(JsonValue* out) {
  const size_t start = pos_;
  out->kind = JsonValue::Kind::kNumber;
  if (text_[pos_] == '-') ++pos_;
  if (!AtEnd() && text_[pos_] == '0' && pos_ + 1 < text_.size() && IsDigit(text_[pos_ + 1])) {
    return Fail(pos_, "numbers must not start with 0 (write identifiers and codes as strings)");
  }
  SWEEP_RETURN_IF_ERROR(ReadDigits(pos_ == start ? "the start" : "'-'"));
  if (!AtEnd() && text_[pos_] == '.') {
    ++pos_;
    SWEEP_RETURN_IF_ERROR(ReadDigits("'.'"));
  }
  if (!AtEnd() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    ++pos_;
    if (!AtEnd() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
    SWEEP_RETURN_IF_ERROR(ReadDigits("the exponent mark"));
  }
  out->text = std::string(text_.substr(start, pos_ - start));
  return Status::Ok();
}

Status Reader::ReadLiteral(JsonValue* out) {
  static constexpr std::pair<std::string_view, JsonValue::Kind> kLiterals[] = {
      {"true", JsonValue::Kind::kBool},
      {"false", JsonValue::Kind::kBool},
      {"null", JsonValue::Kind::kNull},
  };
  for (const auto& [word, kind] : kLiterals) {
    if (text_.substr(pos_, word.size()) == word) {
      out->kind = kind;
      if (kind == JsonValue::Kind::kBool) out->text = std::string(word);
      pos_ += word.size();
      return Status::Ok();
    }
  }
  return Fail(pos_, "expected " + std::string(kValueKinds) + ", found " + Found() +
                        " (text values must be in double quotes)");
}

}  // namespace

Result<JsonValue> ParseJsonStrict(std::string_view text) {
  JsonValue root;
  Reader reader(text);
  SWEEP_RETURN_IF_ERROR(reader.ReadDocument(&root));
  return root;
}

std::string DescribePosition(std::string_view text, size_t offset) {
  if (offset > text.size()) offset = text.size();
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  size_t column = 1;
  for (size_t i = line_start; i < offset; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  // A one-line text (a JSON Lines record) needs no line number.
  const bool single_line = text.find('\n') == std::string_view::npos;
  if (single_line) return "column " + std::to_string(column);
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string DescribeValue(const JsonValue& value) {
  switch (value.kind) {
    case JsonValue::Kind::kNull:
      return "null";
    case JsonValue::Kind::kBool:
    case JsonValue::Kind::kNumber:
      return value.text;
    case JsonValue::Kind::kObject:
      return "an object";
    case JsonValue::Kind::kArray:
      return "an array";
    case JsonValue::Kind::kString:
      break;
  }
  constexpr size_t kMaxChars = 40;
  size_t chars = 0;
  size_t end = 0;
  while (end < value.text.size() && chars < kMaxChars) {
    const size_t n = Utf8Length(value.text, end);
    end += n == 0 ? 1 : n;
    ++chars;
  }
  const bool cut = end < value.text.size();
  return "\"" + value.text.substr(0, end) + (cut ? "…\"" : "\"");
}

}  // namespace sweep::schema::internal
