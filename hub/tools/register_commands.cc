// sweep-hub buildings … / beats … / assign / unassign: thin adapters over
// RegisterService that print what changed.
#include <algorithm>
#include <iostream>
#include <map>

#include "commands.h"
#include "sweep/hub/coverage.h"
#include "sweep/schema/address.h"
#include "terminal.h"

namespace sweep::hubcli {

using namespace sweep::hub;

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (ch < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", ch);
          out += buf;
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  return out + "\"";
}

namespace {

constexpr size_t kListedChanges = 20;

RegisterService Register(const Ctx& c) {
  return RegisterService(c.service->store(), c.service->env());
}

void PrintProblems(const Ctx& c, const std::string& path, const ImportReport& r) {
  for (const ImportProblem& p : r.problems) {
    std::cerr << path << ":" << p.line << ": " << p.reason << "\n";
  }
}

void PrintChanges(const Ctx& c, const ImportReport& r) {
  size_t listed = 0, changed = r.added + r.updated;
  for (const BuildingChange& ch : r.changes) {
    if (ch.kind == BuildingChange::Kind::kUnchanged) continue;
    if (listed++ == kListedChanges) break;
    bool added = ch.kind == BuildingChange::Kind::kAdded;
    std::cout << "  " << (added ? "+ " : "~ ") << c.T("第", "line ") << ch.line << c.T("行 ", " ")
              << ch.raw << "  ";
    if (added) {
      std::cout << ch.units << c.T("户", " units") << "\n";
    } else {
      std::cout << c.T("房屋 +", "units +") << ch.units_added << " -" << ch.units_removed << "\n";
    }
  }
  if (changed > kListedChanges) {
    std::cout << "  … " << (changed - kListedChanges) << c.T(" 栋未列出", " more") << "\n";
  }
}

void PrintImport(const Ctx& c, const std::string& path, const ImportReport& r) {
  if (c.json) {
    std::cout << "{\"file\":" << JsonString(path) << ",\"rows\":" << r.rows
              << ",\"added\":" << r.added << ",\"updated\":" << r.updated
              << ",\"unchanged\":" << r.unchanged << ",\"units_added\":" << r.units_added
              << ",\"units_removed\":" << r.units_removed << ",\"units\":" << r.units_total
              << ",\"feed_items\":" << r.feed_items << "}\n";
    return;
  }
  std::cout << c.T("导入 ", "Imported ") << path << c.T("：共 ", ": ") << r.rows
            << c.T(" 行\n", " rows\n");
  std::cout << c.T("新增 ", "added ") << r.added << c.T(" 栋，更新 ", " buildings, updated ")
            << r.updated << c.T(" 栋，未变 ", ", unchanged ") << r.unchanged
            << c.T(" 栋；房屋 +", "; units +") << r.units_added << " -" << r.units_removed
            << c.T("；本文件共 ", "; ") << r.units_total << c.T(" 户\n", " units in the file\n");
  PrintChanges(c, r);
  if (r.feed_items > 0) {
    std::cout << c.T("已发布 ", "published ") << r.feed_items
              << c.T(" 条平板推送（任务、房屋、规则）\n",
                     " feed items for tablets (assignments, units, rules)\n");
  }
}

std::string DivisionName(const std::string& code) {
  return code.empty() ? "" : schema::DivisionFullName(code);
}

}  // namespace

Status CmdBuildingsImport(const Ctx& c, const std::string& path, const std::string& format,
                          const std::string& default_division) {
  RegisterFormat f = RegisterFormat::kAuto;
  if (format == "csv") f = RegisterFormat::kCsv;
  if (format == "jsonl") f = RegisterFormat::kJsonl;
  Progress progress(c.T("检查", "checking"));
  ImportReport report;
  Status st = Register(c).ImportFile(
      path, f, default_division, [&](size_t done, size_t total) { progress.Update(done, total); },
      &report);
  progress.Done();
  PrintProblems(c, path, report);
  if (st.ok()) PrintImport(c, path, report);
  return st;
}

Status CmdBuildingsList(const Ctx& c, const std::string& community) {
  SWEEP_ASSIGN_OR_RETURN(auto buildings, Register(c).Buildings(community));
  size_t units = 0;
  for (const BuildingRow& b : buildings) {
    units += b.units.size();
    if (c.json) {
      std::cout << "{\"key\":" << JsonString(b.key)
                << ",\"address\":" << JsonString(b.address.raw())
                << ",\"division\":" << JsonString(b.division_code)
                << ",\"type\":" << JsonString(b.type) << ",\"floors\":" << b.floors
                << ",\"units\":" << b.units.size() << "}\n";
    } else {
      std::cout << b.key << "  " << b.address.raw() << "  " << b.type << "  " << b.units.size()
                << c.T("户", " units") << "  " << DivisionName(b.division_code) << "\n";
    }
  }
  if (!c.json) {
    std::cout << buildings.size() << c.T(" 栋，", " buildings, ") << units
              << c.T(" 户\n", " units\n");
  }
  return Status::Ok();
}

namespace {

const char* Mark(schema::ledger::UnitState s) {
  using schema::ledger::UnitState;
  switch (s) {
    case UnitState::kDenSuspected:
      return "‼";
    case UnitState::kChecked:
      return "✓";
    case UnitState::kVacant:
      return "□";
    case UnitState::kRevisitDue:
      return "↻";
    case UnitState::kNoAnswer:
      return "○";
    case UnitState::kRefused:
      return "✗";
    case UnitState::kUnvisited:
      return "·";
  }
  return "·";
}

void PrintGrid(const Ctx& c, const std::vector<UnitView>& units) {
  std::map<int, std::vector<const UnitView*>, std::greater<>> floors;
  for (const UnitView& u : units) {
    floors[schema::FloorOfRoom(schema::SplitUnitKey(u.unit_key).second)].push_back(&u);
  }
  size_t covered = 0;
  for (const auto& [floor, list] : floors) {
    std::cout << (floor > 0 ? std::to_string(floor) + c.T("层", "F") : c.T("其他", "other"));
    for (const UnitView* u : list) {
      std::cout << "  " << u->unit_key << Mark(u->ledger.state);
      covered += u->ledger.covered_ms != 0;
    }
    std::cout << "\n";
  }
  std::cout << c.T("本周期已查 ", "covered this cycle ") << covered << "/" << units.size();
  if (!units.empty()) std::cout << " (" << (100 * covered / units.size()) << "%)";
  std::cout << "\n"
            << c.T("‼疑似窝点 ✓已查 □空置 ↻待回访 ○无人应门 ✗拒绝 ·未走访\n",
                   "‼ den suspected ✓ checked □ vacant ↻ revisit due ○ no answer ✗ refused "
                   "· unvisited\n");
  for (const UnitView& u : units) {
    if (u.ledger.unaccounted.empty()) continue;
    std::cout << u.unit_key << c.T(" 未见人员：", " residents unaccounted for: ");
    for (size_t i = 0; i < u.ledger.unaccounted.size(); ++i) {
      std::cout << (i ? c.T("、", ", ") : "") << u.ledger.unaccounted[i].name;
    }
    std::cout << "\n";
  }
}

}  // namespace

Status CmdBuildingsShow(const Ctx& c, const std::string& address) {
  RegisterService reg = Register(c);
  SWEEP_ASSIGN_OR_RETURN(BuildingRow b, reg.Building(address));
  SWEEP_ASSIGN_OR_RETURN(auto beats, reg.BeatsOf(b));
  SWEEP_ASSIGN_OR_RETURN(auto units, BuildingLedger(c.service->store(), c.service->env(), b));
  if (c.json) {
    std::cout << "{\"key\":" << JsonString(b.key) << ",\"address\":" << JsonString(b.address.raw())
              << ",\"division\":" << JsonString(b.division_code)
              << ",\"type\":" << JsonString(b.type) << ",\"floors\":" << b.floors << ",\"beats\":[";
    for (size_t i = 0; i < beats.size(); ++i) std::cout << (i ? "," : "") << JsonString(beats[i]);
    std::cout << "],\"units\":[";
    for (size_t i = 0; i < units.size(); ++i) {
      std::cout << (i ? "," : "") << "{\"unit\":" << JsonString(units[i].unit_key) << ",\"state\":"
                << JsonString(std::string(schema::ledger::StateName(units[i].ledger.state)))
                << ",\"unaccounted\":" << units[i].ledger.unaccounted.size() << "}";
    }
    std::cout << "]}\n";
    return Status::Ok();
  }
  std::cout << b.address.raw() << "\n"
            << c.T("键：", "key: ") << b.key << "\n"
            << c.T("区划：", "division: ") << DivisionName(b.division_code) << " ("
            << b.division_code << ")\n"
            << c.T("类型：", "type: ") << b.type << c.T("  楼层：", "  floors: ") << b.floors
            << c.T("  户数：", "  units: ") << b.units.size() << "\n"
            << c.T("责任区：", "beats: ");
  for (size_t i = 0; i < beats.size(); ++i) std::cout << (i ? ", " : "") << beats[i];
  std::cout << (beats.empty() ? c.T("（无）", "(none)") : "") << "\n\n";
  PrintGrid(c, units);
  return Status::Ok();
}

}  // namespace sweep::hubcli
