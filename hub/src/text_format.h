// Small text helpers shared by the hub's reports (coverage, end-of-day):
// terminal column widths for CJK text, CSV fields and HTML escaping.
#pragma once

#include <cstddef>
#include <string>

namespace sweep::hub::text {

// Terminal columns of UTF-8 text: CJK and full-width characters count 2.
size_t DisplayWidth(const std::string& s);
// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string CsvField(const std::string& s);
// Text safe inside HTML elements and attribute values.
std::string Escape(const std::string& s);

}  // namespace sweep::hub::text
