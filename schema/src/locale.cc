#include "sweep/schema/locale.h"

#include <cstdlib>

namespace sweep {

bool WantEnglish(std::string_view lang) {
  if (!lang.empty()) return lang == "en";
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    std::string_view v(value);
    // "C", "C.UTF-8" and "POSIX" name no language: look further.
    if (v == "C" || v.starts_with("C.") || v == "POSIX") continue;
    return v.starts_with("en");
  }
  return false;
}

}  // namespace sweep
