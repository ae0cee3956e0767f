// Screens speak Simplified Chinese unless --lang or the locale asks for English.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "sweep/schema/locale.h"

TEST_CASE("the screen language follows --lang, then the locale", "[locale]") {
  ::unsetenv("LC_ALL");
  ::unsetenv("LC_MESSAGES");
  ::setenv("LANG", "C.UTF-8", 1);
  CHECK_FALSE(sweep::WantEnglish(""));  // no language named: Chinese
  CHECK(sweep::WantEnglish("en"));
  ::setenv("LANG", "en_US.UTF-8", 1);
  CHECK(sweep::WantEnglish(""));
  CHECK_FALSE(sweep::WantEnglish("zh"));  // --lang wins
  ::setenv("LC_MESSAGES", "zh_CN.UTF-8", 1);
  CHECK_FALSE(sweep::WantEnglish(""));    // the first that names a language
  ::setenv("LC_ALL", "POSIX", 1);
  CHECK_FALSE(sweep::WantEnglish(""));
  ::setenv("LC_ALL", "en_GB.UTF-8", 1);
  CHECK(sweep::WantEnglish(""));
  ::unsetenv("LC_ALL");
  ::unsetenv("LC_MESSAGES");
  ::unsetenv("LANG");
}
