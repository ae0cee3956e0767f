// Fuzzes the identifier checks (sweep/schema/identifiers.h), which run on
// whatever an officer types or an import file holds: CheckResidentId,
// CheckCreditCode, CheckPhone, CheckBankCard and NormalizeIdentifierInput.
//
// Invariants (abort on violation): no crash; the same input always gets the
// same verdict (every field); the header's contract holds: a verdict has a
// code, an error never sets `normalized` and a valid or warning verdict
// always does; and the canonical value is a fixed point: checking
// `normalized` again is not an error and gives the same `normalized`.
// CheckResidentId runs with a pinned clock (FakeEnv), so "today" cannot move
// between the two calls.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "support/fake_env.h"
#include "sweep/schema/identifiers.h"

namespace {

namespace schema = sweep::schema;
using Check = schema::Verdict (*)(std::string_view);

[[noreturn]] void Violation(const std::string& what) {
  std::fprintf(stderr, "\nINVARIANT VIOLATED: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string Describe(const schema::Verdict& v) {
  return "{level " + std::to_string(static_cast<int>(v.level)) + ", code '" + v.code +
         "', normalized '" + v.normalized + "', reason '" + v.reason + "'}";
}

bool Same(const schema::Verdict& a, const schema::Verdict& b) {
  return a.level == b.level && a.code == b.code && a.reason == b.reason &&
         a.reason_zh == b.reason_zh && a.normalized == b.normalized;
}

void Run(const char* name, Check check, std::string_view typed, bool fixed_point = true) {
  const schema::Verdict v = check(typed);
  const std::string where = std::string(name) + "('" + std::string(typed) + "') = " + Describe(v);
  if (!Same(v, check(typed))) Violation(where + ": a second call gave another verdict");
  if (v.code.empty()) Violation(where + ": verdict without a code");
  if (!v.ok() && !v.normalized.empty()) Violation(where + ": an error with `normalized` set");
  if (v.ok() && v.normalized.empty()) Violation(where + ": valid or warning without `normalized`");
  if (v.ok() && fixed_point) {
    const schema::Verdict again = check(v.normalized);
    if (!again.ok() || again.normalized != v.normalized) {
      Violation(where + ": checking its normalized value gives " + Describe(again));
    }
  }
}

// Today pinned to 2025-11-28 (FakeEnv's clock, never advanced).
schema::Verdict CheckResidentIdPinned(std::string_view typed) {
  static sweep::testing::FakeEnv env;
  return schema::CheckResidentId(typed, &env);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view typed(reinterpret_cast<const char*>(data), size);

  if (schema::NormalizeIdentifierInput(typed) != schema::NormalizeIdentifierInput(typed)) {
    Violation("NormalizeIdentifierInput is not deterministic");
  }
  Run("CheckResidentId", &CheckResidentIdPinned, typed);
  Run("CheckCreditCode", &schema::CheckCreditCode, typed);
  Run("CheckPhone", &schema::CheckPhone, typed, true);
  Run("CheckBankCard", &schema::CheckBankCard, typed);
  return 0;
}
