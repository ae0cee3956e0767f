// The CLI11 definitions of `merge`, `review …` and `persons show` (the person
// merge, docs/merge.md "Stored runs"), and their dispatch.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "commands.h"

namespace sweep::hubcli {

class MergeCli {
 public:
  // Adds `merge`, `review` and `persons` to `app`.
  explicit MergeCli(CLI::App* app);
  // Whether one of them was parsed; if so runs it into *status.
  bool Run(const Ctx& c, Status* status);
  bool json() const { return json_; }

 private:
  bool json_ = false;
  std::vector<std::string> pair_;      // N, or A B
  std::vector<std::string> mentions_;  // split --mention
  std::string by_, entity_;
  CLI::App *merge_ = nullptr, *list_ = nullptr, *show_ = nullptr, *same_ = nullptr,
           *not_same_ = nullptr, *split_ = nullptr, *persons_show_ = nullptr;
};

}  // namespace sweep::hubcli
