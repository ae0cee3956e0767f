// Text steps of address normalisation (private to sweep_schema): Unicode
// folding and cleaning, Chinese numerals, UTF-8 helpers and edit distance.
// The order of the steps is documented in docs/addresses.md. All functions
// are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sweep::schema::address {

// Decodes UTF-8; every malformed byte becomes U+FFFD.
std::u32string ToU32(std::string_view utf8);
std::string ToUtf8(std::u32string_view text);
void AppendUtf8(std::string* out, char32_t c);
size_t CodePointCount(std::string_view utf8);

// Levenshtein distance on code points, or cap + 1 when it is larger than cap.
int EditDistance(std::u32string_view a, std::u32string_view b, int cap);

// NFKC (full-width → ASCII), ASCII letters upper-cased; spaces, control
// characters, punctuation and anything in brackets ("(出租屋)") dropped, one
// ' ' left where they stood (a boundary: "北湖 国庆小区");
// dashes and tildes → '-', '.' '/' '·' between letters or digits → '-';
// "地址" at the start, committee words (居委会 → 社区, 村委会 → 村,
// 街道办事处 → 街道) and rental words (出租屋, 出租房) rewritten or dropped;
// location hints at the end (附近, 旁边, 对面 …) dropped.
std::string CleanAddressText(std::string_view raw);
// NFKC alone (the baseline of bench/address_bench.cc).
std::string NfkcOnly(std::string_view raw);

// Chinese numerals → ASCII digits where they number something: a run of
// 零〇一二两三…九十百千 followed by a marker (栋 幢 号 座 单 层 楼 室 户 # - 门,
// and 组 队 for village groups)
// or the end, or after '-'. Runs with 十/百/千 are read as numbers
// (二十三 → 23, 一百零三 → 103), others digit by digit (五零二 → 502).
// "第" before a converted run is dropped. Names such as 三里田 stay.
std::u32string ConvertNumerals(std::u32string_view text);

bool IsAsciiAlnum(char32_t c);
// Skips the ' ' boundaries CleanAddressText leaves.
size_t SkipSpaces(std::string_view text, size_t pos);
std::string WithoutSpaces(std::string_view text);
// Whether text[pos] continues a road or estate name (路 街 号 小区 花园 …,
// digits, the end): an alias followed by it is part of that name (北湖路,
// 国庆北路18号), not a division.
bool ContinuesName(std::string_view text, size_t pos);

}  // namespace sweep::schema::address
