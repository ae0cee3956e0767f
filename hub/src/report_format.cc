// RenderDayReport and DayReportJson: the day report as blocks (a title, a
// header, rows), drawn as aligned text (CJK counted as two columns), CSV
// (RFC 4180: one block per section, its header line first, every line
// starting with the block's code, blocks separated by an empty line) or a
// standalone printable HTML page (inline style, no external assets, every
// text escaped). Spec: docs/report.md "Formats".
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "sweep/hub/report.h"
#include "sweep/schema/indicators.h"
#include "text_format.h"

namespace sweep::hub {

namespace {

using text::CsvField;
using text::DisplayWidth;
using text::Escape;

// The label of a den indicator code (schema/indicators.h); unknown codes
// are shown as they are.
std::string IndicatorName(const std::string& code, Lang lang) {
  const schema::IndicatorInfo* i = schema::FindIndicator(code);
  if (!i) return code;
  return std::string(lang == Lang::kZh ? i->zh : i->en);
}

std::string DispositionName(const std::string& code, const cases::CaseOptions& options, Lang lang) {
  for (const cases::DispositionCode& d : options.dispositions) {
    if (d.code != code) continue;
    const std::string& label = lang == Lang::kZh ? d.zh : d.en;
    return label.empty() ? code : label;
  }
  return code;
}

std::string DenName(const std::string& name, Lang lang) {
  auto status = cases::ParseDenStatus(name);
  if (!status) return name;
  return std::string(lang == Lang::kZh ? cases::DenStatusZh(*status)
                                       : cases::DenStatusName(*status));
}

// One section. Key-value blocks (kv) have the columns code, label, value;
// the code is for machines (CSV only).
struct Block {
  std::string code, title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  bool kv = false;
};

class Builder {
 public:
  Builder(const DayReport& r, const cases::CaseOptions& o, Lang lang) : r_(r), o_(o), lang_(lang) {}
  std::vector<Block> Build();

 private:
  std::string T(const char* zh, const char* en) const { return lang_ == Lang::kZh ? zh : en; }
  Block Kv(const char* code, const char* zh, const char* en) const {
    return {code, T(zh, en), {T("代码", "code"), T("项目", "item"), T("数值", "value")}, {}, true};
  }
  static void Add(Block* b, const std::string& code, const std::string& label, uint64_t n) {
    b->rows.push_back({code, label, std::to_string(n)});
  }
  Block Visits() const;
  Block Coverage() const;
  Block Persons() const;
  Block Dens() const;
  Block DensNew() const;
  Block Suspects() const;
  Block Indicators() const;

  const DayReport& r_;
  const cases::CaseOptions& o_;
  Lang lang_;
};

std::vector<std::string> Numbers(const std::string& who, const VisitCounts& c) {
  return {who,
          std::to_string(c.visits),
          std::to_string(c.rental),
          std::to_string(c.office),
          std::to_string(c.checked),
          std::to_string(c.no_answer),
          std::to_string(c.refused),
          std::to_string(c.vacant),
          std::to_string(c.persons),
          std::to_string(c.den_visits)};
}

Block Builder::Visits() const {
  Block b{"visits",
          T("走访", "Visits"),
          {T("民警", "officer"), T("走访", "visits"), T("出租屋", "rental"), T("扫楼", "office"),
           T("已查", "checked"), T("无人应答", "no answer"), T("拒绝", "refused"),
           T("空置", "vacant"), T("登记人员", "persons recorded"), T("疑似窝点走访", "den visits")},
          {}};
  b.rows.push_back(Numbers(T("合计", "total"), r_.total));
  for (const auto& [officer, c] : r_.by_officer) b.rows.push_back(Numbers(officer, c));
  return b;
}

Block Builder::Coverage() const {
  Block b = Kv("coverage", "覆盖", "Coverage");
  const CoverageCounts& c = r_.cycle_totals;
  Add(&b, "units_covered_today", T("今日覆盖户数", "units covered today"), r_.units_covered_today);
  Add(&b, "units", T("登记户数", "registered units"), c.units);
  Add(&b, "checked", T("本周期已查", "checked this cycle"), c.checked);
  Add(&b, "remaining", T("未查", "remaining"), c.remaining);
  Add(&b, "revisits_due", T("待回访", "revisits due"), c.revisits_due);
  Add(&b, "revisits_overdue", T("逾期回访", "revisits overdue"), c.revisits_overdue);
  Add(&b, "unaccounted", T("未见人员", "residents unaccounted"), c.unaccounted);
  return b;
}

Block Builder::Persons() const {
  Block b = Kv("persons", "人员", "Persons");
  Add(&b, "seen", T("今日见到", "seen today"), r_.persons_seen);
  Add(&b, "new", T("今日新增", "new today"), r_.persons_new);
  Add(&b, "total", T("累计", "known in all"), r_.persons_total);
  return b;
}

Block Builder::Dens() const {
  Block b = Kv("dens", "窝点", "Dens");
  // The lifecycle order (cases.md §2), then any other name.
  std::vector<std::string> order;
  for (auto s :
       {cases::DenStatus::kNone, cases::DenStatus::kSuspected, cases::DenStatus::kInvestigating,
        cases::DenStatus::kRaided, cases::DenStatus::kCleared}) {
    order.emplace_back(cases::DenStatusName(s));
  }
  for (const auto& [status, n] : r_.dens_by_status) {
    if (std::find(order.begin(), order.end(), status) == order.end()) order.push_back(status);
  }
  for (const std::string& status : order) {
    auto it = r_.dens_by_status.find(status);
    Add(&b, status, DenName(status, lang_), it == r_.dens_by_status.end() ? 0 : it->second);
  }
  Add(&b, "new_today", T("今日新增疑似窝点", "newly suspected today"), r_.dens_new.size());
  Add(&b, "status_changes", T("今日状态变更", "status changes today"), r_.status_changes);
  return b;
}

Block Builder::DensNew() const {
  Block b{"dens_new",
          T("今日新增疑似窝点", "Newly suspected dens"),
          {T("场所代码", "premises key"), T("地址", "address")},
          {}};
  for (size_t i = 0; i < r_.dens_new.size(); ++i) {
    b.rows.push_back(
        {r_.dens_new[i], i < r_.dens_new_addresses.size() ? r_.dens_new_addresses[i] : ""});
  }
  return b;
}

Block Builder::Suspects() const {
  Block b = Kv("suspects", "涉案人员（按处置）", "Suspects by disposition");
  for (const auto& [code, n] : r_.suspects_by_disposition) {
    Add(&b, code, DispositionName(code, o_, lang_), n);
  }
  Add(&b, "total", T("涉案人员合计", "suspects in all"), r_.suspects);
  return b;
}

Block Builder::Indicators() const {
  Block b = Kv("indicators", "今日发现的窝点迹象", "Den indicators found today");
  b.header[2] = T("走访数", "visits");
  for (const auto& [code, n] : r_.top_indicators) Add(&b, code, IndicatorName(code, lang_), n);
  return b;
}

std::vector<Block> Builder::Build() {
  Block head = Kv("report", "日终报表", "End-of-day report");
  head.rows.push_back({"date", T("日期", "date"), r_.date});
  head.rows.push_back({"cycle", T("周期", "cycle"), r_.cycle});
  Block other = Kv("queues", "待处理", "Open items");
  Add(&other, "open_conflicts", T("未解决的冲突", "open conflicts"), r_.open_conflicts);
  Add(&other, "review_queue", T("待复核人员对", "person pairs to review"), r_.review_queue);
  return {head,      Visits(),   Coverage(),   Persons(), Dens(),
          DensNew(), Suspects(), Indicators(), other};
}


// Columns shown to a person: kv blocks without their code.
std::vector<std::string> Shown(const Block& b, const std::vector<std::string>& row) {
  if (!b.kv) return row;
  return std::vector<std::string>(row.begin() + 1, row.end());
}

std::string Table(const std::vector<Block>& blocks) {
  std::string out;
  for (const Block& b : blocks) {
    out += "【" + b.title + "】\n";
    if (b.rows.empty()) {
      out += "  -\n\n";
      continue;
    }
    std::vector<std::vector<std::string>> cells = {Shown(b, b.header)};
    for (const auto& row : b.rows) cells.push_back(Shown(b, row));
    std::vector<size_t> width(cells[0].size(), 0);
    for (const auto& line : cells) {
      for (size_t i = 0; i < line.size() && i < width.size(); ++i) {
        width[i] = std::max(width[i], DisplayWidth(line[i]));
      }
    }
    for (size_t n = b.kv ? 1 : 0; n < cells.size(); ++n) {
      std::string text = " ";
      for (size_t i = 0; i < cells[n].size() && i < width.size(); ++i) {
        size_t w = DisplayWidth(cells[n][i]);
        std::string fill(width[i] > w ? width[i] - w : 0, ' ');
        bool right = i > 0 && b.code != "dens_new";  // numbers right-aligned
        text += " " + (right ? fill + cells[n][i] : cells[n][i] + fill);
      }
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out += text + "\n";
    }
    out += "\n";
  }
  return out;
}


std::string Csv(const std::vector<Block>& blocks) {
  std::string out;
  auto line = [&](const std::string& code, const std::vector<std::string>& fields) {
    out += CsvField(code);
    for (const std::string& f : fields) out += "," + CsvField(f);
    out += "\n";
  };
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i > 0) out += "\n";
    line(blocks[i].code, blocks[i].header);
    for (const auto& row : blocks[i].rows) line(blocks[i].code, row);
  }
  return out;
}


std::string Html(const std::vector<Block>& blocks, const std::string& title, Lang lang) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"" << (lang == Lang::kZh ? "zh-CN" : "en")
    << "\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << Escape(title)
    << "</title>\n<style>\n"
       "body{font-family:sans-serif;margin:1.5em;color:#000}\n"
       "h1{font-size:1.3em}h2{font-size:1.05em;margin:1em 0 .3em}\n"
       "table{border-collapse:collapse;margin-bottom:.5em}\n"
       "th,td{border:1px solid #999;padding:.2em .5em;font-size:.9em}\n"
       "th{background:#eee}td.n{text-align:right}tr.total{font-weight:bold}\n"
       "section{break-inside:avoid;page-break-inside:avoid}\n"
       "@media print{@page{size:A4 portrait;margin:1.2cm}body{margin:0}}\n"
       "</style>\n</head>\n<body>\n<h1>"
    << Escape(title) << "</h1>\n";
  for (size_t k = 1; k < blocks.size(); ++k) {  // blocks[0] (date, cycle) is the title
    const Block& b = blocks[k];
    o << "<section class=\"" << Escape(b.code) << "\">\n<h2>" << Escape(b.title)
      << "</h2>\n<table>\n<tr>";
    for (const std::string& h : Shown(b, b.header)) o << "<th>" << Escape(h) << "</th>";
    o << "</tr>\n";
    for (size_t n = 0; n < b.rows.size(); ++n) {
      bool total = (b.code == "visits" && n == 0) || (b.kv && b.rows[n][0] == "total");
      o << (total ? "<tr class=\"total\">" : "<tr>");
      auto cells = Shown(b, b.rows[n]);
      for (size_t i = 0; i < cells.size(); ++i) {
        bool number = i > 0 && b.code != "dens_new";
        o << (number ? "<td class=\"n\">" : "<td>") << Escape(cells[i]) << "</td>";
      }
      o << "</tr>\n";
    }
    o << "</table>\n</section>\n";
  }
  o << "</body>\n</html>\n";
  return o.str();
}

void JsonString(const std::string& s, std::string* out) {
  *out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      *out += '\\';
      *out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      *out += buf;
    } else {
      *out += static_cast<char>(c);
    }
  }
  *out += '"';
}

void JsonCounts(const VisitCounts& c, std::string* out) {
  *out += "{\"visits\":" + std::to_string(c.visits) + ",\"rental\":" + std::to_string(c.rental) +
          ",\"office\":" + std::to_string(c.office) + ",\"checked\":" + std::to_string(c.checked) +
          ",\"no_answer\":" + std::to_string(c.no_answer) +
          ",\"refused\":" + std::to_string(c.refused) + ",\"vacant\":" + std::to_string(c.vacant) +
          ",\"persons\":" + std::to_string(c.persons) +
          ",\"den_visits\":" + std::to_string(c.den_visits) + "}";
}

void JsonMap(const std::map<std::string, uint64_t>& m, std::string* out) {
  *out += "{";
  bool first = true;
  for (const auto& [k, n] : m) {
    if (!first) *out += ",";
    first = false;
    JsonString(k, out);
    *out += ":" + std::to_string(n);
  }
  *out += "}";
}

}  // namespace

std::string RenderDayReport(const DayReport& report, const cases::CaseOptions& options,
                            ReportFormat format, Lang lang) {
  std::vector<Block> blocks = Builder(report, options, lang).Build();
  std::string title = blocks[0].title + "  " + report.date + "  " +
                      (lang == Lang::kZh ? "周期 " : "cycle ") + report.cycle;
  switch (format) {
    case ReportFormat::kTable:
      return title + "\n\n" + Table(std::vector<Block>(blocks.begin() + 1, blocks.end()));
    case ReportFormat::kCsv:
      return Csv(blocks);
    case ReportFormat::kHtml:
      return Html(blocks, title, lang);
  }
  return "";
}

std::string DayReportJson(const DayReport& r) {
  std::string o = "{\"date\":";
  JsonString(r.date, &o);
  o += ",\"cycle\":";
  JsonString(r.cycle, &o);
  o += ",\"visits\":";
  JsonCounts(r.total, &o);
  o += ",\"by_officer\":{";
  bool first = true;
  for (const auto& [officer, c] : r.by_officer) {
    if (!first) o += ",";
    first = false;
    JsonString(officer, &o);
    o += ":";
    JsonCounts(c, &o);
  }
  const CoverageCounts& c = r.cycle_totals;
  o += "},\"units_covered_today\":" + std::to_string(r.units_covered_today) +
       ",\"cycle_totals\":{\"units\":" + std::to_string(c.units) +
       ",\"checked\":" + std::to_string(c.checked) +
       ",\"remaining\":" + std::to_string(c.remaining) +
       ",\"revisits_due\":" + std::to_string(c.revisits_due) +
       ",\"revisits_overdue\":" + std::to_string(c.revisits_overdue) +
       ",\"dens\":" + std::to_string(c.dens) + ",\"unaccounted\":" + std::to_string(c.unaccounted) +
       "},\"persons_seen\":" + std::to_string(r.persons_seen) +
       ",\"persons_new\":" + std::to_string(r.persons_new) +
       ",\"persons_total\":" + std::to_string(r.persons_total) + ",\"dens_by_status\":";
  JsonMap(r.dens_by_status, &o);
  o += ",\"dens_new\":[";
  for (size_t i = 0; i < r.dens_new.size(); ++i) {
    o += i ? ",{\"key\":" : "{\"key\":";
    JsonString(r.dens_new[i], &o);
    o += ",\"address\":";
    JsonString(i < r.dens_new_addresses.size() ? r.dens_new_addresses[i] : "", &o);
    o += "}";
  }
  o += "],\"status_changes\":" + std::to_string(r.status_changes) + ",\"suspects_by_disposition\":";
  JsonMap(r.suspects_by_disposition, &o);
  o += ",\"suspects\":" + std::to_string(r.suspects) + ",\"top_indicators\":[";
  for (size_t i = 0; i < r.top_indicators.size(); ++i) {
    o += i ? ",{\"code\":" : "{\"code\":";
    JsonString(r.top_indicators[i].first, &o);
    o += ",\"visits\":" + std::to_string(r.top_indicators[i].second) + "}";
  }
  o += "],\"open_conflicts\":" + std::to_string(r.open_conflicts) +
       ",\"review_queue\":" + std::to_string(r.review_queue) + "}\n";
  return o;
}

}  // namespace sweep::hub
