// Shared by the tablet's unit tests: store options that unlock fast (one
// Argon2id pass over 8 MiB; production defaults are in InitOptions), and a
// search of a store's files for something that must not be in the clear.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
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

// Whether any file in `dir` holds `needle` (something that must be sealed).
inline bool FilesContain(const std::string& dir, const std::string& needle) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace sweep::testing
