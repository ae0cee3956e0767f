#include "sweep/schema/dispositions.h"

#include <array>

namespace sweep::schema {

std::span<const DispositionInfo> DefaultDispositions() {
  static constexpr std::array<DispositionInfo, 7> kCodes = {{
      {"none", "无需处置", "no action", "premises", ""},
      {"verbal_warning", "口头警告", "verbal warning", "premises", ""},
      {"registered_on_site", "现场登记", "registered on site", "premises", ""},
      {"handed_to_investigation", "移交侦查", "handed to investigation", "person", "notice"},
      {"admonished", "教育训诫", "education and admonishment", "person", "notice"},
      {"detained", "刑事拘留", "criminal detention", "person", "alert"},
      {"credit_punishment", "信用惩戒", "credit punishment", "person", "alert"},
  }};
  return kCodes;
}

}  // namespace sweep::schema
