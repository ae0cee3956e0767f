// Terminal helpers for sweep-hub: the screen language and a progress line
// (count, rate, ETA) that draws on stderr only when it is a terminal. The
// same ideas as field/tools/terminal.h (field and hub share no code above
// sync/).
#pragma once

#include <cstdint>
#include <string>

#include "sweep/schema/locale.h"
#include "sweep/schema/status.h"

namespace sweep::hubcli {

using sweep::WantEnglish;  // sweep/schema/locale.h

// "YYYY-MM-DD HH:MM" in China time (UTC+8); "-" for 0.
std::string LocalTime(int64_t ms);

// Writes a report to stdout, or to `output` (then says so on stderr);
// IOError naming the file when it cannot be written.
Status WriteReport(const std::string& text, const std::string& output, bool english);

class Progress {
 public:
  explicit Progress(std::string what);
  void Update(uint64_t done, uint64_t total);  // redraws at most 5 times a second
  void Done();

 private:
  void Draw(bool final);
  std::string what_;
  uint64_t done_ = 0, total_ = 0;
  int64_t start_us_, last_draw_us_ = 0;
  bool tty_, drawn_ = false;
};

}  // namespace sweep::hubcli
