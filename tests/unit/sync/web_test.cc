// sync/web.h: what both local screens share.
#include <catch2/catch.hpp>

#include <string>

#include "sweep/sync/web.h"

using sweep::sync::web::IsUtf8;

TEST_CASE("web: IsUtf8 takes well-formed UTF-8 only") {
  CHECK(IsUtf8(""));
  CHECK(IsUtf8("plain ASCII"));
  CHECK(IsUtf8("国庆北路18号3栋2单元301室"));
  CHECK(IsUtf8("\xF0\x9F\x98\x80"));      // U+1F600, four bytes
  CHECK(IsUtf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF, the last code point
  CHECK_FALSE(IsUtf8("\xC0\xCB"));         // the fuzzer's input: a lead byte, a bad follower
  CHECK_FALSE(IsUtf8("\xC0\xAF"));         // overlong '/'
  CHECK_FALSE(IsUtf8("\xE0\x80\xAF"));     // overlong, three bytes
  CHECK_FALSE(IsUtf8("\xED\xA0\x80"));     // a surrogate
  CHECK_FALSE(IsUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(IsUtf8("\xE5\x9B"));         // cut short at the end
  CHECK_FALSE(IsUtf8("\x80"));             // a follower alone
  CHECK_FALSE(IsUtf8("\xFF"));
  CHECK_FALSE(IsUtf8(std::string("ok\xE5", 3)));
}
