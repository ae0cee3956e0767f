// Terminal helpers for sweep-field: reading a PIN without echo, a progress
// line (count, bytes, rate, ETA) that only draws on a terminal, and the
// screen language.
#pragma once

#include <cstdint>
#include <cstdio>
#include <istream>
#include <string>

#include "sweep/schema/locale.h"

#include "sweep/schema/status.h"
#include "sweep/sync/crypto.h"

namespace sweep::cli {

// A PIN in guarded memory.
struct Pin {
  crypto::SecretBuffer buf;
  std::string_view view() const { return {reinterpret_cast<const char*>(buf.data()), buf.size()}; }
};

// Reads one PIN: from the controlling terminal with echo off, or, when
// `from_stdin`, from the next line of `in` (for scripts). Never from argv or
// the environment. `confirm` asks twice on a terminal.
Result<Pin> ReadPin(const std::string& prompt, bool from_stdin, std::istream& in, bool confirm);

using sweep::WantEnglish;  // sweep/schema/locale.h

class Progress {
 public:
  // `total_bytes` 0 when unknown. Draws on stderr only if it is a terminal.
  Progress(std::string what, uint64_t total_items, uint64_t total_bytes);
  void Update(uint64_t items, uint64_t bytes);
  void Done();

 private:
  void Draw(bool final);
  std::string what_;
  uint64_t total_items_, total_bytes_;
  uint64_t items_ = 0, bytes_ = 0;
  int64_t start_us_, last_draw_us_ = 0;
  bool tty_;
};

}  // namespace sweep::cli
