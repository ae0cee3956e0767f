// Reading building register files: CSV (RFC 4180, header row) and JSON Lines.
// Every problem of every row is collected with its line; the caller imports
// nothing unless there are none. docs/coverage.md "Import formats".
#include "register_import.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

namespace sweep::hub::internal {

namespace {

constexpr uint32_t kMaxFloors = 200, kMaxUnitsPerFloor = 99, kMaxStairwells = 50;
constexpr size_t kMaxUnits = 10000;  // per building

std::string Both(const std::string& en, const std::string& zh) { return en + " / " + zh; }

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

// A row as read, before any check. Numbers stay text until checked.
struct RawRow {
  size_t line = 0;
  std::string address, floors, units_per_floor, stairwells, type;
  std::vector<std::string> units;  // empty: generate from the sizes
  std::map<std::string, std::vector<RegisteredResident>> residents;
};

// ------------------------------------------------------------------ CSV

struct CsvRecord {
  size_t line = 0;
  std::vector<std::string> fields;
};

// Splits RFC 4180 text into records (quoted fields may hold commas, quotes
// written "" and line breaks). Blank lines are skipped.
std::vector<CsvRecord> SplitCsv(std::string_view text, std::vector<ImportProblem>* problems) {
  std::vector<CsvRecord> out;
  CsvRecord rec{1, {}};
  std::string field;
  bool quoted = false, any = false;
  size_t line = 1, quote_line = 0;
  auto end_record = [&] {
    rec.fields.push_back(Trim(field));
    if (any || rec.fields.size() > 1 || !rec.fields[0].empty()) out.push_back(std::move(rec));
    rec = CsvRecord{line + 1, {}};
    field.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"' && Trim(field).empty()) {
      quoted = any = true;
      quote_line = line;
      field.clear();
    } else if (c == ',') {
      rec.fields.push_back(Trim(field));
      field.clear();
    } else if (c == '\n') {
      end_record();
      ++line;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (quoted) {
    problems->push_back(
        {quote_line, Both("a quoted field is never closed (missing \")", "引号未闭合")});
    return out;
  }
  end_record();
  return out;
}

const std::vector<std::string> kCsvColumns = {"address",    "floors", "units_per_floor",
                                              "stairwells", "units",  "type"};

// The CSV rows, or problems (unknown or missing columns stop the reading).
std::vector<RawRow> ReadCsv(std::string_view text, std::vector<ImportProblem>* problems,
                            size_t* count) {
  std::vector<CsvRecord> records = SplitCsv(text, problems);
  if (records.empty()) return {};
  *count = records.size() - 1;
  std::vector<std::string> header = records[0].fields;
  for (std::string& h : header) {
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
    if (std::find(kCsvColumns.begin(), kCsvColumns.end(), h) == kCsvColumns.end()) {
      problems->push_back({records[0].line, Both("unknown column '" + h +
                                                     "': the columns are address, floors, "
                                                     "units_per_floor, stairwells, units, type",
                                                 "未知列“" + h + "”")});
    }
  }
  if (std::find(header.begin(), header.end(), "address") == header.end()) {
    problems->push_back(
        {records[0].line, Both("the header row has no 'address' column", "表头缺少 address 列")});
  }
  if (!problems->empty()) return {};
  std::vector<RawRow> rows;
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    if (rec.fields.size() != header.size()) {
      problems->push_back(
          {rec.line, Both("has " + std::to_string(rec.fields.size()) + " fields, the header has " +
                              std::to_string(header.size()),
                          "字段数与表头不一致")});
      continue;
    }
    RawRow row;
    row.line = rec.line;
    for (size_t i = 0; i < header.size(); ++i) {
      const std::string& v = rec.fields[i];
      const std::string& h = header[i];
      if (h == "address") row.address = v;
      if (h == "floors") row.floors = v;
      if (h == "units_per_floor") row.units_per_floor = v;
      if (h == "stairwells") row.stairwells = v;
      if (h == "type") row.type = v;
      if (h != "units") continue;
      size_t start = 0;
      while (start <= v.size()) {
        size_t semi = v.find(';', start);
        std::string unit =
            Trim(v.substr(start, semi == std::string::npos ? std::string::npos : semi - start));
        if (!unit.empty()) row.units.push_back(unit);
        if (semi == std::string::npos) break;
        start = semi + 1;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// ------------------------------------------------------------------ JSON Lines

using google::protobuf::Value;

std::string NumberText(const Value& v) {
  if (v.kind_case() == Value::kStringValue) return Trim(v.string_value());
  if (v.kind_case() != Value::kNumberValue) return "?";
  double d = v.number_value();
  if (d == std::floor(d) && std::fabs(d) < 1e9) return std::to_string(static_cast<long long>(d));
  return std::to_string(d);
}

std::optional<std::string> ReadResidents(const Value& v, RawRow* row) {
  if (!v.has_struct_value())
    return Both("residents must be an object of unit → list", "residents 应为对象");
  for (const auto& [unit, list] : v.struct_value().fields()) {
    if (!list.has_list_value())
      return Both("residents of '" + unit + "' must be a list", "住户应为列表");
    auto& out = row->residents[unit];
    for (const Value& p : list.list_value().values()) {
      if (!p.has_struct_value())
        return Both("a resident of '" + unit + "' is not an object", "住户应为对象");
      RegisteredResident r;
      for (const auto& [k, f] : p.struct_value().fields()) {
        if (k == "name")
          r.name = Trim(f.string_value());
        else if (k == "idNumber" || k == "id_number")
          r.id_number = Trim(f.string_value());
        else if (k != "phone" && k != "notes")
          return Both("unknown resident field '" + k + "' (name, idNumber)",
                      "未知住户字段“" + k + "”");
      }
      if (r.name.empty() && r.id_number.empty())
        return Both("a resident of '" + unit + "' has neither name nor idNumber",
                    "住户缺少姓名和身份证号");
      out.push_back(std::move(r));
    }
  }
  return std::nullopt;
}

// Fills `row` from one JSON object; the first problem found, if any.
std::optional<std::string> ReadJsonRow(const std::string& text, RawRow* row) {
  Value v;
  auto st = google::protobuf::util::JsonStringToMessage(text, &v);
  if (!st.ok()) return Both("not valid JSON (" + std::string(st.message()) + ")", "不是有效的JSON");
  if (!v.has_struct_value()) return Both("not a JSON object", "不是JSON对象");
  for (const auto& [key, f] : v.struct_value().fields()) {
    if (key == "address")
      row->address = Trim(f.string_value());
    else if (key == "floors")
      row->floors = NumberText(f);
    else if (key == "unitsPerFloor" || key == "units_per_floor")
      row->units_per_floor = NumberText(f);
    else if (key == "stairwells")
      row->stairwells = NumberText(f);
    else if (key == "type")
      row->type = Trim(f.string_value());
    else if (key == "units") {
      if (!f.has_list_value())
        return Both("units must be a list of unit keys", "units 应为房号列表");
      for (const Value& u : f.list_value().values()) {
        row->units.push_back(u.kind_case() == Value::kStringValue ? Trim(u.string_value())
                                                                  : NumberText(u));
      }
    } else if (key == "residents") {
      if (auto bad = ReadResidents(f, row)) return bad;
    } else {
      return Both("unknown field '" + key +
                      "' (address, floors, unitsPerFloor, stairwells, units, type, residents)",
                  "未知字段“" + key + "”");
    }
  }
  return std::nullopt;
}

std::vector<RawRow> ReadJsonl(std::string_view text, std::vector<ImportProblem>* problems,
                              size_t* count) {
  std::vector<RawRow> rows;
  size_t line = 0, start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view l = text.substr(start, nl == std::string_view::npos ? text.npos : nl - start);
    ++line;
    start = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string t = Trim(l);
    if (t.empty()) continue;
    ++*count;
    RawRow row;
    row.line = line;
    if (auto bad = ReadJsonRow(t, &row)) {
      problems->push_back({line, *bad});
      continue;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// ------------------------------------------------------------------ checks

// A whole number in [min, max], or absent (""): 0.
std::optional<std::string> ParseCount(const std::string& text, uint32_t min, uint32_t max,
                                      const std::string& field, const std::string& field_zh,
                                      uint32_t* out) {
  *out = 0;
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  bool digits = text.size() <= 9;
  for (char c : text) {
    if (c < '0' || c > '9')
      digits = false;
    else
      v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!digits || v < min || v > max) {
    std::string range = std::to_string(min) + ".." + std::to_string(max);
    return Both(field + ": '" + text + "' is not a whole number in " + range,
                field_zh + "应为" + range + "的整数");
  }
  *out = static_cast<uint32_t>(v);
  return std::nullopt;
}

bool IsUnitKey(const std::string& key) {
  if (key.empty() || key.size() > 32 || key.front() == '-' || key.back() == '-') return false;
  if (std::count(key.begin(), key.end(), '-') > 1) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return c == '-' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  });
}

void CheckAddress(const RawRow& r, const schema::AddressContext& ctx, BuildingRow* b,
                  std::vector<std::string>* bad) {
  if (r.address.empty()) {
    bad->push_back(Both("address is empty", "地址为空"));
    return;
  }
  b->address = schema::NormalizeAddress(r.address, ctx);
  b->key = schema::BuildingKeyOf(b->address);
  b->division_code = b->address.division_code();
  if (b->key.empty()) {
    bad->push_back(
        Both("address '" + r.address + "' cannot be resolved: " + b->address.unresolved_reason(),
             "地址无法解析"));
  } else if (!b->address.room().empty()) {
    bad->push_back(Both("address '" + r.address + "' names room " + b->address.room() +
                            ": a row is one whole building; list rooms under units",
                        "地址含房号，每行应为一整栋楼，房号写在 units 中"));
  }
}

void CheckUnits(const RawRow& r, BuildingRow* b, std::vector<std::string>* bad) {
  std::vector<std::string> keys = r.units;
  if (keys.empty()) {
    if (b->floors == 0 || b->units_per_floor == 0) {
      bad->push_back(Both("give floors and units_per_floor, or list the units",
                          "请填写楼层数和每层户数，或列出全部房号"));
      return;
    }
    keys = GenerateUnits(b->floors, b->units_per_floor, std::max<uint32_t>(b->stairwells, 1));
  }
  std::set<std::string> seen;
  for (const std::string& k : keys) {
    if (!IsUnitKey(k)) {
      bad->push_back(Both("unit '" + k + "' is not a unit key like 502 or 2-502",
                          "房号“" + k + "”格式应如502或2-502"));
    } else if (!seen.insert(k).second) {
      bad->push_back(Both("unit '" + k + "' is listed twice", "房号“" + k + "”重复"));
    }
  }
  if (seen.size() > kMaxUnits) {
    bad->push_back(Both(std::to_string(seen.size()) + " units: at most " +
                            std::to_string(kMaxUnits) + " per building",
                        "每栋楼最多" + std::to_string(kMaxUnits) + "户"));
  }
  for (const auto& [unit, residents] : r.residents) {
    if (!seen.count(unit)) {
      bad->push_back(Both("residents: '" + unit + "' is not a unit of this building",
                          "住户所在房号“" + unit + "”不属于本楼"));
    }
  }
  for (const std::string& k : seen) {
    auto it = r.residents.find(k);
    b->units.push_back(
        {b->key, k, it == r.residents.end() ? std::vector<RegisteredResident>{} : it->second});
  }
}

// Checks one row; its problems are appended (all of them, not just the first).
bool CheckRow(const RawRow& r, const schema::AddressContext& ctx, BuildingRow* b,
              std::vector<ImportProblem>* problems) {
  std::vector<std::string> bad;
  CheckAddress(r, ctx, b, &bad);
  auto type = ParseBuildingType(r.type);
  if (type.ok())
    b->type = *type;
  else
    bad.push_back(type.status().message());
  for (auto err :
       {ParseCount(r.floors, 1, kMaxFloors, "floors", "楼层数", &b->floors),
        ParseCount(r.units_per_floor, 1, kMaxUnitsPerFloor, "units_per_floor", "每层户数",
                   &b->units_per_floor),
        ParseCount(r.stairwells, 1, kMaxStairwells, "stairwells", "单元数", &b->stairwells)}) {
    if (err) bad.push_back(*err);
  }
  if (b->stairwells == 0) b->stairwells = 1;
  if (bad.empty()) CheckUnits(r, b, &bad);
  for (std::string& reason : bad) problems->push_back({r.line, std::move(reason)});
  return bad.empty();
}

}  // namespace

std::vector<std::string> GenerateUnits(uint32_t floors, uint32_t units_per_floor,
                                       uint32_t stairwells) {
  std::vector<std::string> out;
  for (uint32_t s = 1; s <= stairwells; ++s) {
    for (uint32_t f = 1; f <= floors; ++f) {
      for (uint32_t k = 1; k <= units_per_floor; ++k) {
        std::string room = std::to_string(f * 100 + k);
        out.push_back(stairwells > 1 ? std::to_string(s) + "-" + room : room);
      }
    }
  }
  return out;
}

bool SameBuilding(const BuildingRow& a, const BuildingRow& b) {
  if (a.key != b.key || a.division_code != b.division_code || a.type != b.type ||
      a.floors != b.floors || a.units_per_floor != b.units_per_floor ||
      a.stairwells != b.stairwells || a.units.size() != b.units.size()) {
    return false;
  }
  for (size_t i = 0; i < a.units.size(); ++i) {
    const UnitRow &x = a.units[i], &y = b.units[i];
    if (x.unit_key != y.unit_key || x.residents.size() != y.residents.size()) return false;
    for (size_t j = 0; j < x.residents.size(); ++j) {
      if (x.residents[j].name != y.residents[j].name ||
          x.residents[j].id_number != y.residents[j].id_number) {
        return false;
      }
    }
  }
  return true;
}

ParsedRegister ParseRegister(std::string_view text, RegisterFormat format,
                             const schema::AddressContext& context,
                             const ImportProgress& progress) {
  ParsedRegister out;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
  std::vector<RawRow> rows = format == RegisterFormat::kCsv
                                 ? ReadCsv(text, &out.problems, &out.rows)
                                 : ReadJsonl(text, &out.problems, &out.rows);
  std::map<std::string, size_t> index;  // building key -> position in out.buildings
  for (size_t i = 0; i < rows.size(); ++i) {
    if (progress && i % 256 == 0) progress(i, rows.size());
    BuildingRow b;
    if (!CheckRow(rows[i], context, &b, &out.problems)) continue;
    auto [it, fresh] = index.emplace(b.key, out.buildings.size());
    if (fresh) {
      out.buildings.push_back({rows[i].line, std::move(b)});
    } else if (!SameBuilding(out.buildings[it->second].building, b)) {
      size_t first = out.buildings[it->second].line;
      out.problems.push_back(
          {rows[i].line, Both("the same building as line " + std::to_string(first) + " (" + b.key +
                                  ") with different data",
                              "与第" + std::to_string(first) + "行为同一栋楼但内容不同")});
    }
  }
  if (progress) progress(rows.size(), rows.size());
  std::stable_sort(out.problems.begin(), out.problems.end(),
                   [](const ImportProblem& a, const ImportProblem& b) { return a.line < b.line; });
  return out;
}

}  // namespace sweep::hub::internal
