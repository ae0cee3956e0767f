#include "coverage_text.h"

#include <algorithm>
#include <cstdio>

namespace sweep::cli {

namespace ledger = schema::ledger;
using ledger::UnitState;

namespace {

std::string_view Pick(const TextStyle& s, std::string_view zh, std::string_view en) {
  return s.english ? en : zh;
}

std::string Pct(int part, int whole) {
  if (whole <= 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * part / whole);
  return buf;
}

std::string PadRight(std::string_view s, int width) {
  int pad = std::max(0, width - DisplayWidth(s));
  return std::string(s) + std::string(static_cast<size_t>(pad), ' ');
}

const char* ColorOf(UnitState state) {
  switch (state) {
    case UnitState::kChecked:
      return "32";
    case UnitState::kVacant:
      return "36";
    case UnitState::kUnvisited:
      return "2";
    case UnitState::kNoAnswer:
      return "33";
    case UnitState::kRefused:
      return "31";
    case UnitState::kRevisitDue:
      return "1;33";
    case UnitState::kDenSuspected:
      return "1;97;41";
  }
  return "0";
}

std::string Paint(const TextStyle& s, std::string_view text, const char* sgr) {
  if (!s.color) return std::string(text);
  return "\x1b[" + std::string(sgr) + "m" + std::string(text) + "\x1b[0m";
}

std::string_view WindowWords(std::string_view window, bool english) {
  if (window == "morning") return english ? "morning" : "上午";
  if (window == "afternoon") return english ? "afternoon" : "下午";
  if (window == "evening") return english ? "evening" : "晚上";
  return english ? "any time" : "不限";
}

std::string_view ReasonWords(std::string_view reason, bool english) {
  if (reason == "refused") return english ? "refused" : "拒绝";
  return english ? "no answer" : "无人应门";
}

constexpr UnitState kLegendOrder[] = {
    UnitState::kChecked, UnitState::kUnvisited,  UnitState::kNoAnswer,    UnitState::kRefused,
    UnitState::kVacant,  UnitState::kRevisitDue, UnitState::kDenSuspected};

std::string Legend(const TextStyle& s, bool with_extra) {
  std::string out(Pick(s, "图例：", "Legend: "));
  for (UnitState st : kLegendOrder) {
    out += Paint(s, MarkOf(st), ColorOf(st)) + " " + std::string(StateWords(st, s.english)) + "  ";
  }
  if (with_extra) out += std::string(Pick(s, "* 不在登记册", "* not in the register"));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// One pending revisit; `with_address` names the building (not needed inside
// the building's own screen).
std::string RevisitLine(const field::RevisitView& r, const ledger::CycleConfig& config,
                        const TextStyle& s, bool with_address = true) {
  std::string when;
  if (r.overdue) {
    when = Paint(s, Pick(s, "已逾期", "OVERDUE"), "1;31");
  } else if (r.open) {
    when = std::string(Pick(s, "现在可复访", "due now"));
  } else if (r.from_ms > 0) {
    when = std::string(Pick(s, "起始 ", "from ")) + ledger::LocalDate(config, r.from_ms);
  }
  std::string line = "  " +
                     Paint(s, MarkOf(UnitState::kRevisitDue), ColorOf(UnitState::kRevisitDue)) +
                     " " + (with_address ? r.address + " " : "") + r.unit_key + "  " +
                     std::string(ReasonWords(r.reason, s.english));
  if (r.attempts > 0) {
    line += s.english ? ", " + std::to_string(r.attempts) + " failed"
                      : "，已" + std::to_string(r.attempts) + "次未遇";
  }
  line += std::string(Pick(s, "，宜", ", best in the ")) +
          std::string(WindowWords(r.window, s.english));
  if (!r.due_date.empty()) line += std::string(Pick(s, "，期限 ", ", by ")) + r.due_date;
  if (!when.empty()) line += "  [" + when + "]";
  if (r.source == "hub") line += std::string(Pick(s, "（所里下发）", " (from the hub)"));
  return line;
}

void PrintWarnings(std::ostream& out, const std::vector<std::string>& warnings,
                   const TextStyle& s) {
  for (const auto& w : warnings) out << Pick(s, "注意：", "warning: ") << w << "\n";
}

// Long lists stop after this many lines on the screen; --json has them all.
constexpr size_t kMaxLines = 20;

void MoreLine(std::ostream& out, size_t more, const TextStyle& s) {
  if (more == 0) return;
  out << "  … " << Pick(s, "还有 ", "and ") << more
      << Pick(s, " 条（--json 列出全部）\n", " more (--json lists all)\n");
}

void PrintBeat(std::ostream& out, const field::BeatView& b, const TextStyle& s) {
  if (s.english) {
    out << "Beat " << b.beat << ": " << b.buildings.size() << " buildings, " << b.units
        << " units, " << b.covered << " covered (" << Pct(b.covered, b.units) << "), "
        << b.remaining << " remaining, " << b.revisits_open << " revisits due\n";
  } else {
    out << "责任区 " << b.beat << "：" << b.buildings.size() << " 栋楼 " << b.units
        << " 户，已覆盖 " << b.covered << " 户（" << Pct(b.covered, b.units) << "），剩余 "
        << b.remaining << " 户，待复访 " << b.revisits_open << " 户\n";
  }
  // What remains: the unfinished buildings, most remaining first.
  std::vector<const field::BuildingSummary*> open;
  for (const auto& bs : b.buildings) {
    if (bs.remaining > 0) open.push_back(&bs);
  }
  std::stable_sort(open.begin(), open.end(),
                   [](const auto* x, const auto* y) { return x->remaining > y->remaining; });
  size_t shown = std::min(open.size(), kMaxLines);
  int width = 0;
  for (size_t i = 0; i < shown; ++i) width = std::max(width, DisplayWidth(open[i]->address));
  for (size_t i = 0; i < shown; ++i) {
    const auto& bs = *open[i];
    out << "  " << PadRight(bs.address, width) << "  " << Pick(s, "已覆盖 ", "covered ")
        << bs.covered << "/" << bs.units << Pick(s, "  剩余 ", "  remaining ") << bs.remaining
        << "   " << bs.building_key << "\n";
  }
  MoreLine(out, open.size() - shown, s);
  size_t done = b.buildings.size() - open.size();
  if (done > 0) {
    out << "  " << done << Pick(s, " 栋楼已全部覆盖\n", " buildings fully covered\n");
  }
}

}  // namespace

int DisplayWidth(std::string_view s) {
  int width = 0;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n > 1) {
      cp = c & (0xFF >> (n + 1));
      for (size_t k = 1; k < n && i + k < s.size(); ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      }
    }
    i += n;
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
                (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
                (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
  }
  return width;
}

std::string_view MarkOf(UnitState state) {
  switch (state) {
    case UnitState::kChecked:
      return "✓";  // U+2713
    case UnitState::kUnvisited:
      return "∙";  // U+2219 (looks like ·)
    case UnitState::kNoAnswer:
      return "⚬";  // U+26AC (looks like ○)
    case UnitState::kRefused:
      return "✗";  // U+2717
    case UnitState::kVacant:
      return "☐";  // U+2610 (looks like □)
    case UnitState::kRevisitDue:
      return "↻";  // U+21BB
    case UnitState::kDenSuspected:
      return "‼";  // U+203C
  }
  return "?";
}

std::string_view StateWords(UnitState state, bool english) {
  switch (state) {
    case UnitState::kChecked:
      return english ? "checked" : "已查";
    case UnitState::kUnvisited:
      return english ? "not visited" : "未访";
    case UnitState::kNoAnswer:
      return english ? "no answer" : "无人应门";
    case UnitState::kRefused:
      return english ? "refused" : "拒绝";
    case UnitState::kVacant:
      return english ? "vacant" : "空置";
    case UnitState::kRevisitDue:
      return english ? "revisit due" : "待复访";
    case UnitState::kDenSuspected:
      return english ? "den suspected" : "疑似窝点";
  }
  return "?";
}

void PrintToday(std::ostream& out, const field::TodayView& v,
                const std::vector<std::string>& warnings, const TextStyle& s) {
  std::string end = ledger::LocalDate(v.config, v.cycle.end_ms - 1);
  if (s.english) {
    out << v.officer_id << " · " << v.today << " · cycle " << v.cycle.label << " (until " << end
        << ")\n";
  } else {
    out << v.officer_id << " · " << v.today << " · 本轮 " << v.cycle.label << "（至 " << end
        << "）\n";
  }
  PrintWarnings(out, warnings, s);
  if (!v.config_from_hub) {
    out << (s.english ? "No coverage rules from the station yet (sync once): monthly cycle, "
                        "revisit within "
                      : "尚未收到所里的覆盖规则（同步一次即可）：按每月一轮，未遇后 ")
        << v.config.revisit_days << (s.english ? " days.\n" : " 天内复访。\n");
  }
  if (v.beats.empty()) {
    out << Pick(s, "尚无责任区：分配后同步即可看到。\n",
                "No beats assigned to you yet: they arrive with `sync`.\n");
  }
  for (const auto& b : v.beats) PrintBeat(out, b, s);
  if (!v.revisits.empty()) {
    out << Pick(s, "待复访 ", "Revisits ") << v.revisits.size() << "\n";
    size_t shown = std::min(v.revisits.size(), kMaxLines);
    for (size_t i = 0; i < shown; ++i) out << RevisitLine(v.revisits[i], v.config, s) << "\n";
    MoreLine(out, v.revisits.size() - shown, s);
  }
  if (!v.unplaced.empty()) {
    out << Pick(s, "无法定位的走访 ", "Visits that cannot be placed ") << v.unplaced.size()
        << Pick(s, "（请改正地址）：\n", " (correct the address):\n");
    size_t shown = std::min(v.unplaced.size(), kMaxLines);
    for (size_t i = 0; i < shown; ++i) {
      const auto& u = v.unplaced[i];
      std::string reason =
          u.reason == "no room" ? std::string(Pick(s, "没有房号", "no room")) : u.reason;
      out << "  " << u.record_id << "  " << u.address << ": " << reason << "\n";
    }
    MoreLine(out, v.unplaced.size() - shown, s);
  }
  if (v.outside_visits > 0) {
    out << (s.english ? "Visits outside your beats: " : "责任区外的走访：") << v.outside_visits
        << (s.english ? " in " : " 次，") << v.outside_buildings.size()
        << (s.english ? " buildings (see `building`)\n" : " 栋楼（用 building 查看）\n");
  }
  out << (s.english ? "" : "本机走访 ") << v.local_visits
      << (s.english ? " visits on this tablet, unsynced ones included\n" : " 条，含未同步的\n");
}

namespace {

struct GridLayout {
  std::vector<int> widths;  // per column
  int floor_width = 0;
};

std::string FloorLabel(int floor, const TextStyle& s) {
  std::string f = floor > 0 ? std::to_string(floor) : "?";
  return s.english ? "F" + f : f + "层";
}

// "502✓", with a star when the register of an assigned building lacks it.
std::string CellText(const field::BuildingView& v, const field::UnitView& u) {
  return u.room + std::string(MarkOf(u.state)) + (v.assigned && !u.registered ? "*" : "");
}

GridLayout Measure(const field::BuildingView& v, const TextStyle& s) {
  GridLayout g;
  for (const auto& c : v.columns) g.widths.push_back(DisplayWidth(c));
  for (const auto& row : v.rows) {
    g.floor_width = std::max(g.floor_width, DisplayWidth(FloorLabel(row.floor, s)));
    for (size_t i = 0; i < row.cells.size(); ++i) {
      if (row.cells[i] < 0) continue;
      g.widths[i] = std::max(g.widths[i], DisplayWidth(CellText(v, v.units[row.cells[i]])));
    }
  }
  return g;
}

void PrintGrid(std::ostream& out, const field::BuildingView& v, const TextStyle& s) {
  GridLayout g = Measure(v, s);
  std::string header = std::string(static_cast<size_t>(g.floor_width), ' ');
  for (size_t i = 0; i < v.columns.size(); ++i)
    header += "  " + PadRight(v.columns[i], g.widths[i]);
  while (!header.empty() && header.back() == ' ') header.pop_back();
  out << Paint(s, header, "2") << "\n";
  for (const auto& row : v.rows) {
    std::string line = PadRight(FloorLabel(row.floor, s), g.floor_width);
    for (size_t i = 0; i < row.cells.size(); ++i) {
      line += "  ";
      if (row.cells[i] < 0) {
        line += std::string(static_cast<size_t>(g.widths[i]), ' ');
        continue;
      }
      const field::UnitView& u = v.units[row.cells[i]];
      std::string text = CellText(v, u);
      int pad = g.widths[i] - DisplayWidth(text);
      std::string sgr = ColorOf(u.state);
      if (u.unit_key == v.focus_unit) sgr += ";4";
      line += Paint(s, text, sgr.c_str()) + std::string(static_cast<size_t>(pad), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

void PrintUnitDetails(std::ostream& out, const field::BuildingView& v,
                      const ledger::CycleConfig& config, const TextStyle& s) {
  std::string extras;
  for (const auto& u : v.units) {
    if (v.assigned && !u.registered) extras += " " + u.unit_key;
  }
  if (!extras.empty()) {
    out << Pick(s, "* 登记册未列出、但有走访的房间：", "* visited, but not in the register:")
        << extras << Pick(s, "（请核对登记册或地址）\n", " (check the register or the address)\n");
  }
  for (const auto& n : v.no_room) {
    out << Pick(s, "未写房号的走访：", "visit naming no room: ") << n.record_id << "  " << n.address
        << "\n";
  }
  std::vector<const field::UnitView*> revisits, unaccounted;
  for (const auto& u : v.units) {
    if (u.revisit) revisits.push_back(&u);
    if (!u.unaccounted.empty()) unaccounted.push_back(&u);
  }
  if (!revisits.empty()) out << Pick(s, "待复访 ", "Revisits ") << revisits.size() << "\n";
  for (size_t i = 0; i < revisits.size() && i < kMaxLines; ++i) {
    out << RevisitLine(*revisits[i]->revisit, config, s, false) << "\n";
  }
  MoreLine(out, revisits.size() - std::min(revisits.size(), kMaxLines), s);
  if (!unaccounted.empty()) {
    out << Pick(s, "未见到的住户（不漏一人）", "Residents unaccounted for in ")
        << unaccounted.size() << Pick(s, " 户\n", " units\n");
  }
  for (size_t i = 0; i < unaccounted.size() && i < kMaxLines; ++i) {
    out << "  " << unaccounted[i]->unit_key << ": ";
    const auto& names = unaccounted[i]->unaccounted;
    for (size_t k = 0; k < names.size(); ++k) out << (k ? "、" : "") << names[k];
    out << "\n";
  }
  MoreLine(out, unaccounted.size() - std::min(unaccounted.size(), kMaxLines), s);
  for (const auto& u : v.units) {
    if (u.unit_key != v.focus_unit) continue;
    out << Pick(s, "查询的房间 ", "The unit asked for: ") << u.unit_key << " "
        << StateWords(u.state, s.english);
    if (u.last_visit_ms > 0) {
      out << Pick(s, "，最近走访 ", ", last visit ") << ledger::LocalDate(config, u.last_visit_ms);
      if (!u.last_officer_id.empty()) out << " " << u.last_officer_id;
    }
    out << "\n";
  }
}

}  // namespace

void PrintBuilding(std::ostream& out, const field::BuildingView& v,
                   const std::vector<std::string>& warnings, const TextStyle& s) {
  out << v.address << "   " << v.building_key << "\n";
  PrintWarnings(out, warnings, s);
  if (v.assigned) {
    out << Pick(s, "责任区：", "Beat: ");
    for (size_t i = 0; i < v.beats.size(); ++i) out << (i ? ", " : "") << v.beats[i];
    if (!v.building_type.empty()) out << "  (" << v.building_type << ")";
    out << "\n";
  } else {
    out << Paint(
               s,
               Pick(s, "此楼不在您的责任区：只显示本机和所里已知的走访。",
                    "Not in your beats: showing only the visits this tablet and the hub know of."),
               "1;33")
        << "\n";
  }
  if (v.total > 0) {
    if (s.english) {
      out << "Cycle " << v.cycle.label << ": " << v.covered << " of " << v.total
          << " units covered (" << Pct(v.covered, v.total) << "), " << v.remaining
          << " remaining\n";
    } else {
      out << "本轮 " << v.cycle.label << "：已覆盖 " << v.covered << "/" << v.total << " 户（"
          << Pct(v.covered, v.total) << "），剩余 " << v.remaining << " 户\n";
    }
  } else if (v.assigned) {
    out << Pick(s, "登记册没有列出此楼的房间。\n",
                "The register lists no units for this building.\n");
  }
  PrintGrid(out, v, s);
  out << Legend(s, v.assigned && v.extra > 0) << "\n";
  PrintUnitDetails(out, v, v.config, s);
}

}  // namespace sweep::cli
