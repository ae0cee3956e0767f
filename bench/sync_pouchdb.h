// The CouchDB-protocol baseline (bench/pouchdb/, see its README) run as a
// child process from the sync benchmark, so that both sides are measured in
// the same run on the same machine. Call from the main thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sweep/schema/status.h"

namespace sweep::bench {

struct Figure {
  std::string name;
  double value = 0;
  std::string unit;
};

// The figures' values by name.
std::optional<double> FigureValue(const std::vector<Figure>& figures, const std::string& name);

// Parses lines {"name":"...","value":N,"unit":"..."}; other lines are skipped.
std::vector<Figure> ParseJsonLines(const std::string& text);

// Whether node and npm are in PATH; if not, `why` says what is missing.
bool PouchDbAvailable(std::string* why);

// Runs `script --docs docs --edits edits` (its stderr goes to `log_path`)
// and returns its figures. NotFound if the baseline cannot run at all (node,
// npm or its packages missing and not installable); another error if it
// failed.
Result<std::vector<Figure>> RunPouchDb(const std::string& script, uint64_t docs, uint64_t edits,
                                       const std::string& log_path);

}  // namespace sweep::bench
