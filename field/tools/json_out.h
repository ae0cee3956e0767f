// A small JSON writer for sweep-field's --json output: objects and arrays
// built as strings, keys in insertion order, UTF-8 passed through.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::cli {

inline std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

class JsonObject {
 public:
  JsonObject& Str(std::string_view key, std::string_view value) {
    return Raw(key, JsonQuote(value));
  }
  JsonObject& Int(std::string_view key, int64_t value) { return Raw(key, std::to_string(value)); }
  JsonObject& Bool(std::string_view key, bool value) { return Raw(key, value ? "true" : "false"); }
  JsonObject& Num(std::string_view key, double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", value);
    return Raw(key, buf);
  }
  // `json` is already JSON (an object, an array, null).
  JsonObject& Raw(std::string_view key, std::string_view json) {
    text_ += (text_.size() > 1 ? "," : "") + JsonQuote(key) + ":" + std::string(json);
    return *this;
  }
  std::string Done() const { return text_ + "}"; }

 private:
  std::string text_ = "{";
};

// An array of JSON values given as JSON text.
inline std::string JsonArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

inline std::string JsonStrings(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  quoted.reserve(items.size());
  for (const auto& s : items) quoted.push_back(JsonQuote(s));
  return JsonArray(quoted);
}

}  // namespace sweep::cli
