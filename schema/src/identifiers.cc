// Identifier rules (see identifiers.h). Reasons are written for an officer at
// a door: what is wrong, then the likely fix, in English and Chinese.

#include "sweep/schema/identifiers.h"

#include <phonenumbers/phonenumberutil.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

namespace sweep::schema::data {
// regions.tsv, embedded at build time by schema/embed.cmake.
extern const unsigned char kRegionsTsv[];
extern const size_t kRegionsTsv_size;
}  // namespace sweep::schema::data

namespace sweep::schema {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

Verdict Make(VerdictLevel level, std::string code, std::string reason, std::string reason_zh,
             std::string normalized = {}) {
  return Verdict{level, std::move(code), std::move(reason), std::move(reason_zh),
                 std::move(normalized)};
}
Verdict Error(std::string code, std::string reason, std::string reason_zh) {
  return Make(VerdictLevel::kError, std::move(code), std::move(reason), std::move(reason_zh));
}
Verdict Valid(std::string normalized) {
  return Make(VerdictLevel::kValid, "ok", "", "", std::move(normalized));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Decodes one UTF-8 sequence at s[i]. Returns the code point and sets *len, or
// returns -1 with *len = 1 for anything malformed (overlong, surrogate, cut
// short) so that callers pass the byte through untouched instead of failing.
int32_t DecodeUtf8(std::string_view s, size_t i, size_t* len) {
  *len = 1;
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return b0;
  size_t n = 0;
  int32_t cp = 0;
  int32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + n > s.size()) return -1;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *len = n;
  return cp;
}

// Names the first character of `s` that is not allowed, for a reason text:
// "'O'", or "byte 0xFF" when it is not valid UTF-8.
std::string Quote(std::string_view s, size_t i) {
  size_t len = 0;
  if (DecodeUtf8(s, i, &len) < 0) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const auto b = static_cast<unsigned char>(s[i]);
    return std::string("byte 0x") + kHex[b >> 4] + kHex[b & 0xF];
  }
  return "'" + std::string(s.substr(i, len)) + "'";
}

// Counts characters (not bytes) before byte offset i, for "character N".
size_t CharPosition(std::string_view s, size_t i) {
  size_t pos = 1;
  for (size_t k = 0, len = 0; k < i; k += len, ++pos) DecodeUtf8(s, k, &len);
  return pos;
}
size_t CharCount(std::string_view s) { return CharPosition(s, s.size()) - 1; }

// `rule` says what may appear, e.g. "a bank card number has only digits".
Verdict BadCharacter(std::string_view s, size_t i, std::string_view rule,
                     std::string_view rule_zh) {
  const std::string pos = std::to_string(CharPosition(s, i));
  const std::string q = Quote(s, i);
  return Error(
      "bad_character",
      "character " + pos + " is " + q + ", but " + std::string(rule) + "; check what was typed",
      "第" + pos + "位是" + q + "，但" + std::string(rule_zh) + "，请核对输入");
}

Verdict BadLength(std::string_view what, std::string_view what_zh, size_t got,
                  std::string_view want, std::string_view want_zh,
                  std::string_view unit = "characters") {
  if (got == 0) {
    return Error("empty", "no " + std::string(what) + " was entered",
                 "未输入" + std::string(what_zh));
  }
  const std::string n = std::to_string(got);
  return Error("bad_length",
               "a " + std::string(what) + " has " + std::string(want) + " " + std::string(unit) +
                   ", got " + n + ": one was probably missed or typed twice",
               std::string(what_zh) + "应为" + std::string(want_zh) + "位，实际" + n +
                   "位：可能漏输或多输了字符");
}

// ---- Region table ----------------------------------------------------------

struct Region {
  std::string_view name;
  std::string_view parent;
};

// Parsed once from the embedded TSV; views point into that static array.
const std::unordered_map<std::string_view, Region>& Regions() {
  static const auto* table = [] {
    auto* map = new std::unordered_map<std::string_view, Region>();
    std::string_view tsv(reinterpret_cast<const char*>(data::kRegionsTsv), data::kRegionsTsv_size);
    bool header = true;
    while (!tsv.empty()) {
      const size_t eol = tsv.find('\n');
      std::string_view line = tsv.substr(0, eol);
      tsv.remove_prefix(eol == std::string_view::npos ? tsv.size() : eol + 1);
      if (std::exchange(header, false)) continue;
      std::array<std::string_view, 4> f{};
      for (size_t k = 0; k < f.size(); ++k) {
        const size_t tab = line.find('\t');
        f[k] = line.substr(0, tab);
        line.remove_prefix(tab == std::string_view::npos ? line.size() : tab + 1);
      }
      if (f[0].size() == 6) map->emplace(f[0], Region{f[1], f[3]});
    }
    return map;
  }();
  return *table;
}

// Rows the statistics bureau uses as grouping placeholders (北京市 → 市辖区 →
// 东城区); they are not part of anyone's address.
bool IsPlaceholder(std::string_view name) {
  return name == "市辖区" || name == "县" || name == "省直辖县级行政区划" ||
         name == "自治区直辖县级行政区划";
}

// ---- Resident ID -----------------------------------------------------------

constexpr std::array<int, 17> kIdWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kIdCheckChars = "10X98765432";

// REQUIRES: first17 is 17 ASCII digits.
char IdCheckChar(std::string_view first17) {
  int sum = 0;
  for (size_t k = 0; k < kIdWeights.size(); ++k) sum += (first17[k] - '0') * kIdWeights[k];
  return kIdCheckChars[sum % 11];
}

// Today's date in China Standard Time: birth dates on ID cards are Beijing
// dates, and China has one time zone with no daylight saving, so a fixed
// +8h is right even when a tablet's zone setting is wrong.
std::chrono::year_month_day TodayInChina(Env* env) {
  using namespace std::chrono;
  const milliseconds now(env->NowMillis() + 8LL * 3600 * 1000);
  return year_month_day{floor<days>(sys_time<milliseconds>(now))};
}

// REQUIRES: yyyymmdd is 8 ASCII digits.
Verdict CheckBirthDate(std::string_view yyyymmdd, Env* env) {
  using namespace std::chrono;
  const int y = std::stoi(std::string(yyyymmdd.substr(0, 4)));
  const unsigned m = std::stoi(std::string(yyyymmdd.substr(4, 2)));
  const unsigned d = std::stoi(std::string(yyyymmdd.substr(6, 2)));
  const year_month_day date{year(y), month(m), day(d)};
  const std::string shown = std::string(yyyymmdd.substr(0, 4)) + "-" +
                            std::string(yyyymmdd.substr(4, 2)) + "-" +
                            std::string(yyyymmdd.substr(6, 2));
  if (!date.ok()) {
    return Error("bad_date",
                 "characters 7-14 should be the birth date, but " + shown +
                     " is not a real date: check the month and day digits",
                 "第7-14位应为出生日期，但" + shown + "不是有效日期：请核对月、日");
  }
  if (y < 1900) {
    return Error("bad_date", "birth date " + shown + " is before 1900: check the year digits",
                 "出生日期" + shown + "早于1900年：请核对年份");
  }
  if (sys_days(date) > sys_days(TodayInChina(env))) {
    return Error("bad_date", "birth date " + shown + " is in the future: check the year digits",
                 "出生日期" + shown + "晚于今天：请核对年份");
  }
  return Valid("");
}

// Accepts 15 digits (legacy) or 17 digits + digit/X; returns the 18-character
// form in *id18, or an error verdict.
Verdict ResidentIdShape(const std::string& s, std::string* id18, bool* upgraded) {
  const size_t n = CharCount(s);
  *upgraded = n == 15;
  if (n != 15 && n != 18) {
    return BadLength("resident ID number", "身份证号码", n, "18 (or 15 on old cards)",
                     "18（旧证15）");
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsDigit(s[i]) || (i == 17 && s[i] == 'X')) continue;
    if (i == 17) {
      return BadCharacter(s, i, "the last character must be a digit or X", "末位只能是数字或X");
    }
    if (*upgraded) {
      return BadCharacter(s, i, "an old 15-digit number has only digits", "15位旧号码只含数字");
    }
    return BadCharacter(s, i, "a resident ID has only digits, with X allowed as the last character",
                        "身份证号码只含数字，仅末位可为X");
  }
  if (*upgraded) {
    // GB 11643 conversion: the 15-digit form omitted the century (all holders
    // were born in the 1900s) and had no check character.
    const std::string first17 = s.substr(0, 6) + "19" + s.substr(6);
    *id18 = first17 + IdCheckChar(first17);
  } else {
    *id18 = s;
  }
  return Valid("");
}

}  // namespace

std::string NormalizeIdentifierInput(std::string_view typed) {
  std::string out;
  out.reserve(typed.size());
  for (size_t i = 0, len = 0; i < typed.size(); i += len) {
    int32_t cp = DecodeUtf8(typed, i, &len);
    if (cp < 0) {  // malformed: keep the byte so the check reports it
      out.push_back(typed[i]);
      continue;
    }
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII block
    if (cp == 0x3000) cp = ' ';                      // ideographic space
    // Separators people type or paste between digit groups. NBSP and line
    // breaks come with text copied from documents and chat apps.
    const bool separator = cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == '-' ||
                           cp == 0xA0 || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212;
    if (separator) continue;
    if (cp >= 'a' && cp <= 'z') cp -= 'a' - 'A';
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else {
      out.append(typed.substr(i, len));
    }
  }
  return out;
}

std::string RegionName(std::string_view code6) {
  const auto& regions = Regions();
  std::vector<std::string_view> chain;
  auto it = regions.find(code6);
  // The depth bound guards against a cycle in a hand-edited table.
  for (int depth = 0; it != regions.end() && depth < 4; ++depth) {
    if (!IsPlaceholder(it->second.name)) chain.push_back(it->second.name);
    it = it->second.parent.empty() ? regions.end() : regions.find(it->second.parent);
  }
  std::string name;
  for (auto p = chain.rbegin(); p != chain.rend(); ++p) name.append(*p);
  return name;
}

Verdict CheckResidentId(std::string_view typed) { return CheckResidentId(typed, Env::Default()); }

Verdict CheckResidentId(std::string_view typed, Env* env) {
  const std::string s = NormalizeIdentifierInput(typed);
  std::string id;
  bool upgraded = false;
  if (Verdict v = ResidentIdShape(s, &id, &upgraded); !v.ok()) return v;
  if (Verdict v = CheckBirthDate(std::string_view(id).substr(6, 8), env); !v.ok()) return v;
  const char want = IdCheckChar(std::string_view(id).substr(0, 17));
  if (id[17] != want) {
    return Error("bad_check_digit",
                 std::string("check character should be ") + want + ", got " + id[17] +
                     ": a digit was probably mistyped; compare each digit with the card",
                 std::string("校验码应为") + want + "，实际为" + id[17] +
                     "：可能有数字输错，请逐位与证件核对");
  }
  // 81/82/83 are Hong Kong, Macau and Taiwan residence permits, whose region
  // part is 810000/820000/830000 and is not in the mainland table.
  const std::string_view region = std::string_view(id).substr(0, 6);
  const bool permit = id[0] == '8' && id[1] >= '1' && id[1] <= '3';
  if (!permit && RegionName(region).empty()) {
    return Make(VerdictLevel::kWarning, "unknown_region",
                "region code " + std::string(region) +
                    " is not in the current division table: it may be an old code from "
                    "before a redistricting; keep it if it matches the card",
                "地区码" + std::string(region) + "不在现行区划表中：可能是区划调整前的旧代码，" +
                    "与证件一致即可保留",
                id);
  }
  if (upgraded) {
    return Make(VerdictLevel::kValid, "legacy_upgraded",
                "15-digit legacy number upgraded to the 18-character form " + id,
                "15位旧号码已升级为18位：" + id, id);
  }
  return Valid(id);
}

ResidentIdInfo DescribeResidentId(std::string_view typed) {
  const Verdict v = CheckResidentId(typed);
  ResidentIdInfo info;
  if (!v.ok() || v.normalized.size() != 18) return info;
  const std::string& id = v.normalized;
  info.region_code = id.substr(0, 6);
  if (id[0] == '8' && id[1] >= '1' && id[1] <= '3') {
    static constexpr std::array<const char*, 3> kPermit = {"香港特别行政区", "澳门特别行政区",
                                                           "台湾地区"};
    info.region_name = kPermit[id[1] - '1'];
  } else {
    info.region_name = RegionName(info.region_code);
  }
  info.birth_date = id.substr(6, 4) + "-" + id.substr(10, 2) + "-" + id.substr(12, 2);
  info.male = (id[16] - '0') % 2 == 1;
  return info;
}

// ---- Unified social credit code --------------------------------------------

namespace {

constexpr std::string_view kUsccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> kUsccWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                              29, 25, 13, 8,  24, 10, 30, 28};

}  // namespace

Verdict CheckCreditCode(std::string_view typed) {
  const std::string s = NormalizeIdentifierInput(typed);
  if (CharCount(s) != 18) {
    return BadLength("credit code", "统一社会信用代码", CharCount(s), "18", "18");
  }
  int sum = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const size_t value = kUsccChars.find(s[i]);
    if (value != std::string_view::npos) {
      if (i < kUsccWeights.size()) sum += static_cast<int>(value) * kUsccWeights[i];
      continue;
    }
    const bool excluded = s[i] == 'I' || s[i] == 'O' || s[i] == 'S' || s[i] == 'V' || s[i] == 'Z';
    if (excluded) {
      return BadCharacter(s, i,
                          "a credit code never uses I, O, S, V or Z (O is probably 0, I is 1, "
                          "Z is 2, S is 5)",
                          "统一社会信用代码不使用I、O、S、V、Z（O多为0，I为1，Z为2，S为5）");
    }
    return BadCharacter(s, i,
                        "a credit code has only digits and capital letters except I, O, S, V, Z",
                        "统一社会信用代码只含数字和除I、O、S、V、Z外的大写字母");
  }
  const char want = kUsccChars[(31 - sum % 31) % 31];
  if (s[17] != want) {
    return Error("bad_check_digit",
                 std::string("check character should be ") + want + ", got " + s[17] +
                     ": a character was probably mistyped; compare each one with the licence",
                 std::string("校验码应为") + want + "，实际为" + s[17] +
                     "：可能有字符输错，请逐位与营业执照核对");
  }
  const std::string region = s.substr(2, 6);
  if (RegionName(region).empty()) {
    return Make(VerdictLevel::kWarning, "unknown_region",
                "characters 3-8 (region code " + region +
                    ") are not in the current division table: it may be an old code; keep it "
                    "if it matches the licence",
                "第3-8位地区码" + region + "不在现行区划表中：可能是旧代码，与执照一致即可保留", s);
  }
  return Valid(s);
}

// ---- Phone -----------------------------------------------------------------

namespace {

bool MobileLike(std::string_view n) { return n.size() >= 2 && n[0] == '1' && n[1] >= '3'; }

// Strips +86 / 0086 / 86 in front of something that looks like a mobile or
// IoT number; anything else (fixed lines, foreign numbers) is left whole for
// libphonenumber. "+86 10…" stays whole because 10 is Beijing's area code, and
// a bare "86" is only taken as a prefix when the rest has a mobile's or an IoT
// number's exact length, since local fixed-line numbers may start with 86.
std::string MainlandMobilePart(const std::string& s) {
  for (std::string_view prefix : {"+86", "0086", "86"}) {
    if (!s.starts_with(prefix)) continue;
    std::string rest = s.substr(prefix.size());
    const bool exact = (rest.size() == 11 || rest.size() == 13) && rest[0] == '1';
    if (exact || (prefix != "86" && MobileLike(rest))) return rest;
  }
  return s;
}

Verdict CheckMobile(const std::string& national) {
  if (national[1] < '3') {
    return Error("bad_mobile_prefix",
                 "mainland mobile numbers start with 13-19, this one starts with " +
                     national.substr(0, 2) + ": check the first digits",
                 "手机号码应以13-19开头，此号码以" + national.substr(0, 2) + "开头：请核对前几位");
  }
  const std::string e164 = "+86" + national;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  // `national` is exactly 11 digits starting 1[3-9], so the number can be
  // built directly: Parse() would build the same one, at three times the
  // cost (its ICU regular expressions dominated bulk entry, see
  // docs/performance.md).
  PhoneNumber pn;
  pn.set_country_code(86);
  pn.set_national_number(std::stoull(national));
  if (util.IsValidNumber(pn)) return Valid(e164);
  // libphonenumber 8.12.57 (Debian 12) rejects 140-144, 146, 148, 149, 154,
  // 160, 161, 163, 164, 168, 169, 1741-1749, 179 and 194 even though some are
  // allocated (149 is China Telecom, 1741-1749 satellite), and its metadata
  // always trails new allocations. The number has
  // the shape of a mainland mobile, so refusing it would block capture;
  // flag it for a second look instead.
  return Make(VerdictLevel::kWarning, "unlisted_mobile_prefix",
              "prefix " + national.substr(0, 4) +
                  " is not in the phone-number metadata this build knows: check the number "
                  "with its owner",
              "号段" + national.substr(0, 4) + "不在已知号段表中：请与机主核对号码", e164);
}

Verdict CheckOtherPhone(const std::string& s) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber pn;
  std::string e164;
  const bool valid =
      util.Parse(s, "CN", &pn) == PhoneNumberUtil::NO_PARSING_ERROR && util.IsValidNumber(pn);
  if (!valid) {
    return Error("invalid_number",
                 "not a valid phone number: a mobile has 11 digits starting 13-19, a fixed "
                 "line an area code starting 0 (e.g. 0735-2222222); check the digits",
                 "不是有效电话号码：手机号为1开头的11位，固话需带0开头的区号（如0735-2222222），"
                 "请核对");
  }
  util.Format(pn, PhoneNumberUtil::E164, &e164);
  if (pn.country_code() != 86) {
    return Make(
        VerdictLevel::kWarning, "not_mainland",
        "valid, but not a mainland China number (country code +" +
            std::to_string(pn.country_code()) + "): make sure that is intended",
        "号码有效，但不是中国大陆号码（国家码+" + std::to_string(pn.country_code()) + "）：请确认",
        e164);
  }
  return Valid(e164);
}

}  // namespace

Verdict CheckPhone(std::string_view typed) {
  const std::string s = NormalizeIdentifierInput(typed);
  if (s.empty() || s == "+") return BadLength("phone number", "电话号码", 0, "", "");
  for (size_t i = s[0] == '+' ? 1 : 0; i < s.size(); ++i) {
    if (!IsDigit(s[i])) {
      return BadCharacter(s, i, "a phone number has only digits, with + only at the start",
                          "电话号码只含数字，+只能在开头");
    }
  }
  const std::string national = MainlandMobilePart(s);
  if (national.size() == 13 && (national.starts_with("14") || national.starts_with("1064"))) {
    return Make(VerdictLevel::kWarning, "iot_number",
                "13-digit IoT (machine) number: not a personal phone; note the device it "
                "belongs to (SIM boxes and modem pools use these)",
                "13位物联网号码：不是个人手机，请记录对应设备（GOIP、猫池常用此类号码）",
                "+86" + national);
  }
  if (national[0] == '1' && national.size() == 11) return CheckMobile(national);
  if (MobileLike(national)) {
    const std::string n = std::to_string(national.size());
    return Error("bad_length",
                 "mobile numbers have 11 digits, this one has " + n +
                     ": a digit was probably missed or typed twice",
                 "手机号码应为11位，实际" + n + "位：可能漏输或多输了数字");
  }
  Verdict other = CheckOtherPhone(s);
  // A bare "86…" that libphonenumber reads as +86 and a mobile-like number of
  // the wrong length must get the same verdict as the "+86…" form (found by
  // the identifiers fuzzer: the normalised value must check the same).
  if (other.ok() && other.normalized.starts_with("+86")) {
    const std::string rest = other.normalized.substr(3);
    if (MobileLike(rest) && rest.size() != 11 && rest.size() != 13) {
      const std::string n = std::to_string(rest.size());
      return Error("bad_length",
                   "mobile numbers have 11 digits, this one has " + n +
                       ": a digit was probably missed or typed twice",
                   "手机号码应为11位，实际" + n + "位：可能漏输或多输了数字");
    }
  }
  return other;
}

// ---- Bank card -------------------------------------------------------------

Verdict CheckBankCard(std::string_view typed) {
  const std::string s = NormalizeIdentifierInput(typed);
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsDigit(s[i]))
      return BadCharacter(s, i, "a bank card number has only digits", "银行卡号只含数字");
  }
  if (s.size() < 16 || s.size() > 19) {
    return BadLength("bank card number", "银行卡号", s.size(), "16-19", "16-19", "digits");
  }
  int sum = 0;
  for (size_t k = 0; k < s.size(); ++k) {
    int d = s[s.size() - 1 - k] - '0';
    if (k % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  if (sum % 10 != 0) {
    return Make(VerdictLevel::kWarning, "luhn_failed",
                "the Luhn check fails: a digit may be mistyped, but some UnionPay cards "
                "legitimately fail it; compare with the card and keep it if it matches",
                "卡号未通过Luhn校验：可能有数字输错，但部分银联卡本身不符合该校验；"
                "请与卡面核对，一致即可保留",
                s);
  }
  return Valid(s);
}

}  // namespace sweep::schema
