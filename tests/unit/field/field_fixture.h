// Shared by the tablet's unit tests: store options that unlock fast (one
// Argon2id pass over 8 MiB; production defaults are in InitOptions).
#pragma once

#include <string>

#include "sweep/field/store.h"

namespace sweep::testing {

inline field::InitOptions FastInitOptions(const std::string& officer = "A1001",
                                          int max_attempts = 10) {
  field::InitOptions o;
  o.officer_id = officer;
  o.officer_name = "王建国";
  o.kdf.ops_limit = 1;
  o.kdf.mem_limit = 8 << 20;
  o.max_failed_attempts = max_attempts;
  return o;
}

}  // namespace sweep::testing
