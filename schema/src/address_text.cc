// Text steps of address normalisation (see address_text.h).

#include "address_text.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <vector>

namespace sweep::schema::address {
namespace {

bool IsOpenBracket(char32_t c) {
  return c == U'(' || c == U'[' || c == U'{' || c == U'<' || c == U'【' || c == U'〔' ||
         c == U'《' || c == U'〈' || c == U'「' || c == U'『' || c == U'〖';
}
bool IsCloseBracket(char32_t c) {
  return c == U')' || c == U']' || c == U'}' || c == U'>' || c == U'】' || c == U'〕' ||
         c == U'》' || c == U'〉' || c == U'」' || c == U'』' || c == U'〗';
}
bool IsDash(char32_t c) {
  return c == U'-' || c == U'~' || c == U'_' || (c >= 0x2010 && c <= 0x2015) || c == 0x2212 ||
         c == U'〜' || c == U'﹣';
}
// Separators that mean a dash only between two letters or digits (3.2.502).
bool IsSoftSeparator(char32_t c) {
  return c == U'.' || c == U'/' || c == U'·' || c == U'・' || c == U'\\' || c == U'。';
}

// Drops brackets with their content, spaces, controls and punctuation, leaving
// one ' ' where any of them stood (a boundary the resolver may use); folds
// dashes. `t` is already NFKC.
std::u32string StripPunctuation(std::u32string_view t) {
  std::u32string out;
  out.reserve(t.size());
  int depth = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const char32_t c = t[i];
    const auto separate = [&out] {
      if (!out.empty() && out.back() != U' ') out.push_back(U' ');
    };
    if (IsOpenBracket(c)) {
      // Only a closed bracket hides its content; a lone one is just dropped.
      bool closed = false;
      for (size_t k = i + 1; k < t.size() && !closed; ++k) closed = IsCloseBracket(t[k]);
      depth += closed ? 1 : 0;
      separate();
      continue;
    }
    if (IsCloseBracket(c)) {
      depth = std::max(0, depth - 1);
      separate();
      continue;
    }
    if (depth > 0) continue;
    if (c >= U'a' && c <= U'z') {
      out.push_back(c - U'a' + U'A');
    } else if (IsAsciiAlnum(c) || c == U'#') {
      out.push_back(c);
    } else if (IsDash(c)) {
      if (!out.empty() && out.back() != U'-') out.push_back(U'-');
    } else if (IsSoftSeparator(c)) {
      const bool between =
          !out.empty() && IsAsciiAlnum(out.back()) && i + 1 < t.size() && IsAsciiAlnum(t[i + 1]);
      if (between) {
        out.push_back(U'-');
      } else {
        separate();
      }
    } else if (c < 0x80 || u_isUWhiteSpace(c) || u_ispunct(c) || u_iscntrl(c) ||
               u_charType(c) == U_FORMAT_CHAR || c == 0xFFFD || u_charType(c) == U_MATH_SYMBOL ||
               u_charType(c) == U_OTHER_SYMBOL) {
      // ASCII punctuation, spaces, controls, symbols, broken bytes
      separate();
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && (out.back() == U'-' || out.back() == U' ')) out.pop_back();
  while (!out.empty() && (out.front() == U'-' || out.front() == U' ')) out.erase(0, 1);
  return out;
}

void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Committee and office words → the division word; "X村村委会" → "X村".
void RewriteWords(std::string* s) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kRewrites = {{
      {"社区居民委员会", "社区"},
      {"社区居委会", "社区"},
      {"村村民委员会", "村"},
      {"村村委会", "村"},
      {"村民委员会", "村"},
      {"居民委员会", "社区"},
      {"村委会", "村"},
      {"居委会", "社区"},
      {"街道办事处", "街道"},
      {"街道办", "街道"},
      {"出租屋", ""},
  }};
  for (const auto& [from, to] : kRewrites) ReplaceAll(s, from, to);
  ReplaceAll(s, "出租房", "");
  for (std::string_view prefix : {"地址", "住址"}) {
    if (StartsWith(*s, prefix)) s->erase(0, prefix.size());
  }
  while (!s->empty() && s->front() == ' ') s->erase(0, 1);
  static constexpr std::array<std::string_view, 8> kHints = {"附近", "旁边", "对面", "门口",
                                                             "后面", "一带", "楼下", "旁"};
  for (bool again = true; again;) {
    again = false;
    for (std::string_view h : kHints) {
      if (EndsWith(*s, h) && s->size() > h.size()) {
        s->resize(s->size() - h.size());
        again = true;
      }
      while (!s->empty() && s->back() == ' ') s->pop_back();
    }
  }
}

int NumeralDigit(char32_t c) {
  switch (c) {
    case U'零':
    case U'〇':
    case U'○':
      return 0;
    case U'一':
      return 1;
    case U'二':
    case U'两':
      return 2;
    case U'三':
      return 3;
    case U'四':
      return 4;
    case U'五':
      return 5;
    case U'六':
      return 6;
    case U'七':
      return 7;
    case U'八':
      return 8;
    case U'九':
      return 9;
    default:
      return -1;
  }
}
int NumeralUnit(char32_t c) { return c == U'十' ? 10 : c == U'百' ? 100 : c == U'千' ? 1000 : 0; }
bool IsNumeral(char32_t c) { return NumeralDigit(c) >= 0 || NumeralUnit(c) > 0; }
bool IsMarker(char32_t c) {
  static constexpr std::u32string_view kMarkers = U"栋幢号座单层楼室户#-门组队";
  return kMarkers.find(c) != std::u32string_view::npos;
}

std::u32string NumeralValue(std::u32string_view run) {
  const bool positional = std::any_of(run.begin(), run.end(), NumeralUnit);
  std::u32string out;
  if (!positional) {
    for (char32_t c : run) out.push_back(U'0' + NumeralDigit(c));
    return out;
  }
  long total = 0, current = 0;
  for (char32_t c : run) {
    if (const int unit = NumeralUnit(c); unit > 0) {
      total += (current == 0 ? 1 : current) * unit;
      current = 0;
    } else {
      current = NumeralDigit(c);
    }
  }
  total += current;
  for (char c : std::to_string(total)) out.push_back(static_cast<char32_t>(c));
  return out;
}

}  // namespace

// Characters that continue a road or estate name: an alias followed by one
// of them is part of that name (北湖路, 国庆北路18号), not a division.
bool ContinuesName(std::string_view s, size_t pos) {
  if (pos >= s.size()) return true;
  if (s[pos] == ' ') return false;  // a boundary the officer typed
  const auto c = static_cast<unsigned char>(s[pos]);
  if (c < 0x80) return true;  // digits, letters, '-', '#'
  static constexpr std::string_view kNext[] = {"路", "街", "道", "巷", "弄", "里", "号", "小",
                                               "花", "苑", "园", "大", "新", "村", "区", "院",
                                               "社", "镇", "乡", "府", "城", "甲", "乙", "丙"};
  for (std::string_view n : kNext) {
    if (s.substr(pos, n.size()) == n) return true;
  }
  return false;
}

size_t SkipSpaces(std::string_view text, size_t pos) {
  while (pos < text.size() && text[pos] == ' ') ++pos;
  return pos;
}

std::string WithoutSpaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != ' ') out.push_back(c);
  }
  return out;
}

bool IsAsciiAlnum(char32_t c) {
  return (c >= U'0' && c <= U'9') || (c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z');
}

void AppendUtf8(std::string* out, char32_t c) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::u32string ToU32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    size_t n = b0 < 0x80             ? 1
               : (b0 & 0xE0) == 0xC0 ? 2
               : (b0 & 0xF0) == 0xE0 ? 3
               : (b0 & 0xF8) == 0xF0 ? 4
                                     : 0;
    char32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    bool ok = n != 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      ok = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr std::array<char32_t, 5> kMin = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMin[n] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    out.push_back(ok ? cp : 0xFFFD);
    i += ok ? n : 1;
  }
  return out;
}

std::string ToUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (char32_t c : text) AppendUtf8(&out, c);
  return out;
}

size_t CodePointCount(std::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

int EditDistance(std::u32string_view a, std::u32string_view b, int cap) {
  const int la = static_cast<int>(a.size()), lb = static_cast<int>(b.size());
  if (std::abs(la - lb) > cap) return cap + 1;
  std::vector<int> row(lb + 1);
  for (int j = 0; j <= lb; ++j) row[j] = j;
  for (int i = 1; i <= la; ++i) {
    int diagonal = row[0];
    row[0] = i;
    int best = row[0];
    for (int j = 1; j <= lb; ++j) {
      const int up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
      best = std::min(best, row[j]);
    }
    if (best > cap) return cap + 1;
  }
  return std::min(row[lb], cap + 1);
}

std::string NfkcOnly(std::string_view raw) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(err);
  if (U_FAILURE(err)) return std::string(raw);
  const icu::UnicodeString in =
      icu::UnicodeString::fromUTF8(icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())));
  icu::UnicodeString folded = nfkc->normalize(in, err);
  if (U_FAILURE(err)) return std::string(raw);
  std::string out;
  folded.toUTF8String(out);
  return out;
}

std::string CleanAddressText(std::string_view raw) {
  std::string s = ToUtf8(StripPunctuation(ToU32(NfkcOnly(raw))));
  RewriteWords(&s);
  return s;
}

std::u32string ConvertNumerals(std::u32string_view t) {
  std::u32string out;
  out.reserve(t.size());
  for (size_t i = 0; i < t.size();) {
    if (!IsNumeral(t[i])) {
      out.push_back(t[i++]);
      continue;
    }
    size_t end = i;
    while (end < t.size() && IsNumeral(t[end])) ++end;
    const bool numbered = end == t.size() || IsMarker(t[end]) || (i > 0 && t[i - 1] == U'-');
    if (!numbered) {
      out.append(t.substr(i, end - i));
    } else {
      if (!out.empty() && out.back() == U'第') out.pop_back();
      out.append(NumeralValue(t.substr(i, end - i)));
    }
    i = end;
  }
  return out;
}

}  // namespace sweep::schema::address
