// Fuzzes the enrollment code reader, sweep::sync::ParseEnrollCode: the text
// an officer types from the station's printout, and so untrusted.
//
// Invariants (abort on violation): no crash; a code that parses has a
// 10-byte secret and a 10-byte fingerprint, and formats back to a code that
// parses to the same parts; and any 20 bytes, formatted, parse back to
// themselves (the input's first 20 bytes are tried as parts too).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sweep/sync/protocol.h"

namespace {

namespace sync = sweep::sync;

[[noreturn]] void Violation(const std::string& what) {
  std::fprintf(stderr, "\nINVARIANT VIOLATED: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

void CheckRoundTrip(const sync::EnrollCodeParts& parts, const char* from) {
  const std::string text = sync::FormatEnrollCode(parts);
  auto again = sync::ParseEnrollCode(text);
  if (!again.ok()) {
    Violation(std::string(from) + ": FormatEnrollCode wrote '" + text +
              "', which does not parse: " + again.status().message());
  }
  if (again->secret != parts.secret || again->fingerprint != parts.fingerprint) {
    Violation(std::string(from) + ": '" + text + "' parses to different parts");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parts = sync::ParseEnrollCode(text);
  if (parts.ok()) {
    if (parts->secret.size() != 10 || parts->fingerprint.size() != 10) {
      Violation("a parsed code has a " + std::to_string(parts->secret.size()) +
                "-byte secret and a " + std::to_string(parts->fingerprint.size()) +
                "-byte fingerprint");
    }
    CheckRoundTrip(*parts, "parsed code");
  } else if (parts.status().message().empty()) {
    Violation("a refused code without a message");
  }
  if (size >= 20) {
    sync::EnrollCodeParts raw;
    raw.secret.assign(data, data + 10);
    raw.fingerprint.assign(data + 10, data + 20);
    CheckRoundTrip(raw, "raw bytes");
  }
  return 0;
}
