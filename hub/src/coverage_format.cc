// RenderCoverage: the coverage report as an aligned table (display width of
// CJK characters counted as two), CSV (RFC 4180) or a standalone HTML page
// (inline style, no external assets, every text escaped, printable on A4).
#include <cstdio>
#include <sstream>

#include "sweep/hub/coverage.h"
#include "text_format.h"

namespace sweep::hub {

namespace {

using text::CsvField;
using text::DisplayWidth;
using text::Escape;

struct Labels {
  const char* title;
  const char* as_at;
  const char* cycle;
  const char* level;
  const char* beat;
  const char* community_code;
  const char* community;
  const char* officers;
  const char* units;
  const char* checked;
  const char* remaining;
  const char* percent;
  const char* due;
  const char* overdue;
  const char* dens;
  const char* unaccounted;
  const char* visits;
  const char* no_beat;
  const char* subtotal;
  const char* officer;
  const char* total;
  const char* unresolved;
  const char* unregistered;
  const char* reasons;
};

const Labels kZh = {"覆盖率报表",
                    "截至",
                    "周期",
                    "层级",
                    "责任区",
                    "社区代码",
                    "社区",
                    "民警",
                    "户数",
                    "本周期已查",
                    "未查",
                    "覆盖率",
                    "待回访",
                    "逾期回访",
                    "疑似窝点",
                    "未见人员",
                    "走访数",
                    "（无责任区）",
                    "小计",
                    "民警",
                    "合计",
                    "地址无法解析的走访",
                    "不在登记册中的走访",
                    "原因"};
const Labels kEn = {"Coverage report",
                    "as at",
                    "cycle",
                    "level",
                    "beat",
                    "community code",
                    "community",
                    "officers",
                    "units",
                    "checked",
                    "remaining",
                    "covered",
                    "revisits due",
                    "revisits overdue",
                    "dens suspected",
                    "residents unaccounted",
                    "visits",
                    "(no beat)",
                    "subtotal",
                    "officer",
                    "total",
                    "visits with unresolved addresses",
                    "visits to units not in the register",
                    "reasons"};

const char* LevelCode(CoverageRow::Level l) {
  switch (l) {
    case CoverageRow::Level::kCommunity:
      return "community";
    case CoverageRow::Level::kBeat:
      return "beat";
    case CoverageRow::Level::kOfficer:
      return "officer";
    case CoverageRow::Level::kTotal:
      return "total";
  }
  return "total";
}

std::string Percent(const CoverageCounts& c) {
  if (c.units == 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%",
                100.0 * static_cast<double>(c.checked) / static_cast<double>(c.units));
  return buf;
}

std::vector<std::string> Numbers(const CoverageCounts& c) {
  return {std::to_string(c.units),
          std::to_string(c.checked),
          std::to_string(c.remaining),
          std::to_string(c.revisits_due),
          std::to_string(c.revisits_overdue),
          std::to_string(c.dens),
          std::to_string(c.unaccounted)};
}

// What a person reads in the first two columns of a row.
std::pair<std::string, std::string> Names(const CoverageRow& r, const Labels& l) {
  std::string beat = r.beat.empty() ? l.no_beat : r.beat;
  switch (r.level) {
    case CoverageRow::Level::kCommunity:
      return {beat,
              (r.community.empty() ? std::string("?") : r.community) + " " + r.community_code};
    case CoverageRow::Level::kBeat:
      return {beat, l.subtotal};
    case CoverageRow::Level::kOfficer:
      return {std::string(l.officer) + " " + r.officers, ""};
    case CoverageRow::Level::kTotal:
      return {l.total, ""};
  }
  return {"", ""};
}


std::string Pad(const std::string& s, size_t width, bool right) {
  size_t w = DisplayWidth(s);
  std::string fill(width > w ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string Heading(const CoverageReport& r, const Labels& l) {
  return std::string(l.title) + (r.beat.empty() ? "" : " · " + r.beat) + "  " + l.cycle + " " +
         r.cycle + "  " + l.as_at + " " + r.date;
}

std::string Footer(const CoverageReport& r, const Labels& l) {
  std::string out = std::string(l.unresolved) + ": " + std::to_string(r.unresolved_visits);
  if (!r.unresolved_reasons.empty()) {
    out += " (" + std::string(l.reasons) + ": ";
    for (size_t i = 0; i < r.unresolved_reasons.size(); ++i) {
      out += (i ? "; " : "") + r.unresolved_reasons[i];
    }
    out += ")";
  }
  return out + "\n" + l.unregistered + ": " + std::to_string(r.unregistered_visits) + "\n";
}

std::string Table(const CoverageReport& r, const Labels& l) {
  std::vector<std::vector<std::string>> cells = {{l.beat, l.community, l.officers, l.units,
                                                  l.checked, l.remaining, l.due, l.overdue, l.dens,
                                                  l.unaccounted, l.percent}};
  for (const CoverageRow& row : r.rows) {
    auto [a, b] = Names(row, l);
    std::vector<std::string> line = {a, b,
                                     row.level == CoverageRow::Level::kOfficer ? "" : row.officers};
    for (std::string& n : Numbers(row.counts)) line.push_back(std::move(n));
    line.push_back(Percent(row.counts));
    cells.push_back(std::move(line));
  }
  std::vector<size_t> width(cells[0].size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], DisplayWidth(line[i]));
  }
  std::string out = Heading(r, l) + "\n\n";
  for (size_t n = 0; n < cells.size(); ++n) {
    std::string text;
    for (size_t i = 0; i < cells[n].size(); ++i) {
      text += (i ? "  " : "") + Pad(cells[n][i], width[i], i >= 3);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out + "\n" + Footer(r, l);
}


std::string Csv(const CoverageReport& r, const Labels& l) {
  std::vector<std::string> header = {
      l.level,     l.beat, l.community_code, l.community, l.officers,    l.units, l.checked,
      l.remaining, l.due,  l.overdue,        l.dens,      l.unaccounted, l.visits};
  std::string out;
  auto line = [&](const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + CsvField(fields[i]);
    out += "\n";
  };
  line(header);
  for (const CoverageRow& row : r.rows) {
    std::vector<std::string> f = {LevelCode(row.level), row.beat, row.community_code, row.community,
                                  row.officers};
    for (std::string& n : Numbers(row.counts)) f.push_back(std::move(n));
    f.push_back("");
    line(f);
  }
  std::string reasons;
  for (const std::string& s : r.unresolved_reasons) reasons += (reasons.empty() ? "" : "; ") + s;
  line({"unresolved", "", "", reasons, "", "", "", "", "", "", "", "",
        std::to_string(r.unresolved_visits)});
  line({"unregistered", "", "", "", "", "", "", "", "", "", "", "",
        std::to_string(r.unregistered_visits)});
  return out;
}


std::string Html(const CoverageReport& r, const Labels& l, Lang lang) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"" << (lang == Lang::kZh ? "zh-CN" : "en")
    << "\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << Escape(Heading(r, l))
    << "</title>\n<style>\n"
       "body{font-family:sans-serif;margin:1.5em;color:#000}\n"
       "h1{font-size:1.3em}table{border-collapse:collapse;width:100%}\n"
       "th,td{border:1px solid #999;padding:.25em .5em;font-size:.9em}\n"
       "td.n{text-align:right}tr.beat,tr.total{font-weight:bold;background:#eee}\n"
       "tr.officer{background:#f7f7f7}\n"
       "@media print{@page{size:A4 landscape;margin:1cm}body{margin:0}}\n"
       "</style>\n</head>\n<body>\n<h1>"
    << Escape(Heading(r, l)) << "</h1>\n<table>\n<tr>";
  for (const char* h : {l.beat, l.community, l.officers, l.units, l.checked, l.remaining, l.due,
                        l.overdue, l.dens, l.unaccounted, l.percent}) {
    o << "<th>" << Escape(h) << "</th>";
  }
  o << "</tr>\n";
  for (const CoverageRow& row : r.rows) {
    auto [a, b] = Names(row, l);
    o << "<tr class=\"" << LevelCode(row.level) << "\"><td>" << Escape(a) << "</td><td>"
      << Escape(b) << "</td><td>"
      << Escape(row.level == CoverageRow::Level::kOfficer ? "" : row.officers) << "</td>";
    for (const std::string& n : Numbers(row.counts)) o << "<td class=\"n\">" << n << "</td>";
    o << "<td class=\"n\">" << Percent(row.counts) << "</td></tr>\n";
  }
  o << "</table>\n<p>";
  std::string footer = Escape(Footer(r, l));
  for (size_t p; (p = footer.find('\n')) != std::string::npos;) footer.replace(p, 1, "<br>");
  o << footer << "</p>\n</body>\n</html>\n";
  return o.str();
}

}  // namespace

std::string RenderCoverage(const CoverageReport& report, ReportFormat format, Lang lang) {
  const Labels& l = lang == Lang::kZh ? kZh : kEn;
  switch (format) {
    case ReportFormat::kTable:
      return Table(report, l);
    case ReportFormat::kCsv:
      return Csv(report, l);
    case ReportFormat::kHtml:
      return Html(report, l, lang);
  }
  return "";
}

}  // namespace sweep::hub
