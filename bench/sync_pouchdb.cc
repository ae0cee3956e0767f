#include "sync_pouchdb.h"

#include <regex>
#include <sstream>

#include "sync_process.h"

namespace sweep::bench {

std::optional<double> FigureValue(const std::vector<Figure>& figures, const std::string& name) {
  for (const Figure& f : figures) {
    if (f.name == name) return f.value;
  }
  return std::nullopt;
}

std::vector<Figure> ParseJsonLines(const std::string& text) {
  // replicate.mjs writes JSON.stringify({name, value, unit}): this key order,
  // no spaces, a plain number.
  static const std::regex line(
      R"re(^\s*\{"name":"([^"\\]+)","value":(-?[0-9.]+(?:[eE][-+]?[0-9]+)?),"unit":"([^"\\]*)"\}\s*$)re");
  std::vector<Figure> out;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) {
    std::smatch m;
    if (std::regex_match(l, m, line))
      out.push_back({m[1].str(), std::stod(m[2].str()), m[3].str()});
  }
  return out;
}

bool PouchDbAvailable(std::string* why) {
  std::string missing;
  for (const char* tool : {"node", "npm"}) {
    if (!InPath(tool)) missing += std::string(missing.empty() ? "" : " and ") + tool;
  }
  if (missing.empty()) return true;
  *why = missing + " not found in PATH (the baseline needs Node >= 20 and npm)";
  return false;
}

Result<std::vector<Figure>> RunPouchDb(const std::string& script, uint64_t docs, uint64_t edits,
                                       const std::string& log_path) {
  std::string why;
  if (!PouchDbAvailable(&why)) return Status::NotFound(why);
  ChildProcess::Options opt;
  opt.capture_stdout = true;
  opt.log_path = log_path;
  opt.stop_signal = SIGTERM;  // replicate.mjs then stops its hub and removes its temp folder
  SWEEP_ASSIGN_OR_RETURN(auto child, ChildProcess::Spawn({script, "--docs", std::to_string(docs),
                                                          "--edits", std::to_string(edits)},
                                                         opt));
  const int code = child->Wait();
  const std::string tail = TailOfFile(log_path, 15);
  if (code != 0) {
    const bool install_failed = tail.find("npm ci failed") != std::string::npos ||
                                tail.find("npm install failed") != std::string::npos ||
                                tail.find("are required") != std::string::npos;
    std::string m = script + " exited with " + std::to_string(code) + "; its log (" + log_path +
                    ") ends:\n" + tail;
    return install_failed ? Status::NotFound(m) : Status::IOError(m);
  }
  auto figures = ParseJsonLines(child->out());
  if (!FigureValue(figures, "pouchdb.push.docs_per_s") ||
      !FigureValue(figures, "pouchdb.noop.ms")) {
    return Status::IOError(script + " printed no pouchdb.push.docs_per_s / pouchdb.noop.ms line; " +
                           "its stdout was:\n" + child->out());
  }
  return figures;
}

}  // namespace sweep::bench
