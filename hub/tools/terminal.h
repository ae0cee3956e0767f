// Terminal helpers for sweep-hub: the screen language and a progress line
// (count, rate, ETA) that draws on stderr only when it is a terminal. The
// same ideas as field/tools/terminal.h (field and hub share no code above
// sync/).
#pragma once

#include <cstdint>
#include <string>

#include "sweep/schema/locale.h"

namespace sweep::hubcli {

using sweep::WantEnglish;  // sweep/schema/locale.h

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
