// Which language screens speak: Simplified Chinese by default, English on
// request. Shared by both programs so that `--lang` and the locale mean the
// same everywhere. Thread-safe (reads the environment only).
#pragma once

#include <string_view>

namespace sweep {

// Whether screens are in English: `lang` is the --lang value ("en" or "zh");
// when empty, the locale decides (the first of LC_ALL, LC_MESSAGES, LANG
// that names a language; "C"/"POSIX" name none; "en…" means English).
// Simplified Chinese otherwise.
bool WantEnglish(std::string_view lang);

}  // namespace sweep
