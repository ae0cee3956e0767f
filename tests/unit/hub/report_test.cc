// The end-of-day report: the day's figures from a case view built by hand
// (the day runs from 16:00 UTC to 16:00 UTC, midnight China time), the
// ledger's figures from a real SQLite store caught up as the sync path does,
// and the renderings (CSV quoting, HTML escaping, labels, JSON).
#include "sweep/hub/report.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "ledger_fixture.h"
#include "sweep/hub/ledger_service.h"

using namespace sweep;
using namespace sweep::hub;
using namespace sweep::testing;

namespace {

constexpr int64_t kHour = 3'600'000, kDay = 24 * kHour;
constexpr int64_t kStart = 1'795'795'200'000;  // 2026-11-28 00:00 UTC+8 = 2026-11-27 16:00 UTC

cases::VisitSummary Visit(const std::string& id, const std::string& officer, int64_t at,
                          const std::string& kind, v1::UnitStatus status,
                          std::vector<std::string> persons, std::vector<std::string> indicators,
                          bool den) {
  cases::VisitSummary v;
  v.record_id = id;
  v.version = 1;
  v.officer_id = officer;
  v.at_ms = at;
  v.kind = kind;
  v.status = status;
  v.den = den;
  v.persons = std::move(persons);
  v.indicators = std::move(indicators);
  return v;
}

cases::StatusChange Change(cases::DenStatus from, cases::DenStatus to, int64_t at) {
  cases::StatusChange c;
  c.from = from;
  c.to = to;
  c.at_ms = at;
  return c;
}

cases::Premises Place(const std::string& key, int64_t first, std::vector<cases::StatusChange> h) {
  cases::Premises p;
  p.key = key;
  p.address.set_raw("raw " + key);
  p.first_visit_ms = first;
  p.history = std::move(h);
  return p;
}

cases::DispositionSeen Disposition(const std::string& code, int64_t at) {
  cases::DispositionSeen d;
  d.code = code;
  d.source.at_ms = at;
  return d;
}

cases::CaseView DayView() {
  using S = cases::DenStatus;
  const auto kRental = "rental";
  cases::CaseView v;
  v.visits = {
      Visit("r0", "A1001", kStart - 1, kRental, v1::UNIT_STATUS_CHECKED, {"P1"}, {}, false),
      Visit("r1", "A1001", kStart, kRental, v1::UNIT_STATUS_CHECKED, {"P1", "P2"},
            {"modem_pool", "many_sim_cards"}, true),
      Visit("r2", "B2002", kStart + 5 * kHour, "office", v1::UNIT_STATUS_CHECKED, {"P3"},
            {"scripts"}, true),
      Visit("r4", "B2002", kStart + 8 * kHour, kRental, v1::UNIT_STATUS_REFUSED, {}, {}, false),
      Visit("r5", "B2002", kStart + 9 * kHour, kRental, v1::UNIT_STATUS_VACANT, {},
            {"modem_pool", "modem_pool"}, false),
      Visit("r3", "A1001", kStart + kDay - 1, kRental, v1::UNIT_STATUS_NO_ANSWER, {}, {}, false),
      Visit("r6", "A1001", kStart + kDay, kRental, v1::UNIT_STATUS_CHECKED, {"P4"},
            {"scripts", "hidden_cabling"}, true),
  };
  v.premises["k1"] = Place("k1", kStart - 2 * kDay,
                           {Change(S::kNone, S::kSuspected, kStart - kDay),
                            Change(S::kSuspected, S::kInvestigating, kStart + 2 * kHour),
                            Change(S::kInvestigating, S::kRaided, kStart + kDay + 1)});
  v.premises["k2"] = Place("k2", kStart, {Change(S::kNone, S::kSuspected, kStart)});
  v.premises["k3"] = Place("k3", kStart - 3 * kDay,
                           {Change(S::kNone, S::kSuspected, kStart - 3 * kDay),
                            Change(S::kSuspected, S::kCleared, kStart - 2 * kDay),
                            Change(S::kCleared, S::kSuspected, kStart + kDay - 1)});
  v.premises["k4"] =
      Place("k4", kStart + kDay + 5, {Change(S::kNone, S::kSuspected, kStart + kDay + 5)});
  v.premises["k5"] = Place("k5", kStart - kDay, {});
  cases::PersonCase p1;
  p1.entity = "P1";
  p1.involvement = "den_occupant";
  p1.involvement_source.at_ms = kStart;
  p1.dispositions = {Disposition("detained", kStart + kHour),
                     Disposition("detained", kStart + 2 * kHour),
                     Disposition("admonished", kStart + 3 * kHour)};
  cases::PersonCase p2;
  p2.entity = "P2";
  p2.dispositions = {Disposition("credit_punishment", kStart + kDay)};  // tomorrow
  cases::PersonCase p3;
  p3.entity = "P3";
  p3.involvement = "organiser";
  p3.involvement_source.at_ms = kStart - kDay;
  cases::PersonCase p4;
  p4.entity = "P4";
  for (auto* p : {&p1, &p2, &p3, &p4}) v.persons[p->entity] = *p;
  v.conflicts.resize(2);
  v.conflicts[0].resolved = true;
  return v;
}

VisitCounts Counts(uint64_t visits, uint64_t rental, uint64_t office, uint64_t checked,
                   uint64_t no_answer, uint64_t refused, uint64_t vacant, uint64_t persons,
                   uint64_t den) {
  return {visits, rental, office, checked, no_answer, refused, vacant, persons, den};
}

// RFC 4180 records (fields unquoted), blank lines skipped.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> rec;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      rec.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n') {
      if (any || !field.empty()) {
        rec.push_back(std::move(field));
        out.push_back(std::move(rec));
      }
      rec.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  return out;
}

std::vector<std::string> FindRow(const std::vector<std::vector<std::string>>& rows,
                                 const std::string& block, const std::string& key) {
  for (const auto& r : rows) {
    if (r.size() >= 2 && r[0] == block && r[1] == key) return r;
  }
  return {};
}

}  // namespace

TEST_CASE("day report: the local day runs from 16:00 UTC to 16:00 UTC") {
  DayReport r = DayReportFromView(DayView(), kStart, 2);
  CHECK(r.total == Counts(5, 4, 1, 2, 1, 1, 1, 3, 2));
  REQUIRE(r.by_officer.size() == 2);
  CHECK(r.by_officer["A1001"] == Counts(2, 2, 0, 1, 1, 0, 0, 2, 1));
  CHECK(r.by_officer["B2002"] == Counts(3, 2, 1, 1, 0, 1, 1, 1, 1));
  CHECK(r.persons_seen == 3);   // P1 P2 P3
  CHECK(r.persons_new == 2);    // P1 was seen the day before
  CHECK(r.persons_total == 3);  // P4 only tomorrow
  // A visit counts once per indicator code; ties by code.
  using Top = std::vector<std::pair<std::string, uint64_t>>;
  CHECK(r.top_indicators == Top{{"modem_pool", 2}, {"many_sim_cards", 1}});
  CHECK(DayReportFromView(DayView(), kStart, 10).top_indicators ==
        Top{{"modem_pool", 2}, {"many_sim_cards", 1}, {"scripts", 1}});
  std::map<std::string, uint64_t> dens = {
      {"none", 1}, {"suspected", 2}, {"investigating", 1}, {"raided", 0}, {"cleared", 0}};
  CHECK(r.dens_by_status == dens);  // k4 appears only tomorrow
  CHECK(r.dens_new == std::vector<std::string>{"k2", "k3"});
  CHECK(r.dens_new_addresses == std::vector<std::string>{"raw k2", "raw k3"});
  CHECK(r.status_changes == 3);
  CHECK(r.suspects == 2);  // P2's disposition comes tomorrow
  std::map<std::string, uint64_t> by_code = {{"admonished", 1}, {"detained", 1}};
  CHECK(r.suspects_by_disposition == by_code);
  CHECK(r.open_conflicts == 1);

  // The day before: r0 only (at 15:59:59.999 UTC), k1 became suspected.
  DayReport before = DayReportFromView(DayView(), kStart - kDay, 10);
  CHECK(before.total == Counts(1, 1, 0, 1, 0, 0, 0, 1, 0));
  CHECK(before.persons_new == 1);
  CHECK(before.dens_new == std::vector<std::string>{"k1"});
  CHECK(before.dens_by_status["suspected"] == 1);
  CHECK(before.dens_by_status["cleared"] == 1);  // k3
  CHECK(before.suspects == 1);
  // The day after: r6 at 16:00:00.000 UTC; k1 raided; P2 punished.
  DayReport after = DayReportFromView(DayView(), kStart + kDay, 10);
  CHECK(after.total.visits == 1);
  CHECK(after.persons_new == 1);
  CHECK(after.persons_total == 4);
  CHECK(after.dens_by_status["raided"] == 1);
  CHECK(after.dens_new == std::vector<std::string>{"k4"});
  CHECK(after.suspects_by_disposition["credit_punishment"] == 1);
  CHECK(after.suspects == 3);
}

TEST_CASE("day report: units covered today and the cycle totals come from the ledger") {
  TempDir dir;
  FakeEnv env;
  env.now_ms = kStart + 3 * kDay;
  auto store = OpenHubStore(dir.Sub("hub.db"));
  RegisterService reg(store.get(), &env);
  SetDefaultDivision(&reg, "431002");
  const std::string b = "北湖区国庆北路社区国庆北路18号3栋";
  ImportReport imported;
  Status st = reg.ImportBuildings("{\"address\":\"" + b + "\",\"floors\":2,\"unitsPerFloor\":2}\n",
                                  RegisterFormat::kJsonl, "test", "", nullptr, &imported);
  INFO(st.ToString());
  REQUIRE(st.ok());
  EnrollDevice(store.get(), "dev-a", "A1001", 1);
  struct Gen {
    std::string id, room;
    v1::UnitStatus status;
    int64_t at;
  };
  const std::vector<Gen> gen = {
      {"a", "101", v1::UNIT_STATUS_CHECKED, kStart + 10 * kHour},    // covered today
      {"b", "102", v1::UNIT_STATUS_CHECKED, kStart - 1},             // yesterday
      {"c", "201", v1::UNIT_STATUS_NO_ANSWER, kStart},               // revisit due
      {"d", "202", v1::UNIT_STATUS_CHECKED, kStart - kDay},          // yesterday, and
      {"e", "202", v1::UNIT_STATUS_VACANT, kStart + kDay - 1},       // again today
      {"f", "101", v1::UNIT_STATUS_CHECKED, kStart + kDay},          // tomorrow
      {"g", "102", v1::UNIT_STATUS_CHECKED, kStart + kDay + kHour},  // tomorrow
      {"h", "9单元901", v1::UNIT_STATUS_CHECKED, kStart + kHour},    // not registered
  };
  std::vector<v1::Record> records;
  cases::CaseView view;
  for (const Gen& g : gen) {
    records.push_back(RentalVisit(g.id, 1, "A1001", b + g.room + "室", g.status, g.at));
    view.visits.push_back(Visit(g.id, "A1001", g.at, "rental", g.status, {}, {}, false));
  }
  PushRecords(store.get(), "dev-a", records);
  LedgerService ledger(store.get(), &env, {});
  REQUIRE(ledger.CatchUp().ok());

  auto day = DayStartOf(store.get(), "2026-11-28");
  REQUIRE(day.ok());
  CHECK(*day == kStart);
  CHECK(DayStartOf(store.get(), "2026-11-31").status().code() == Code::kInvalidArgument);
  CHECK(DayStartOf(store.get(), "28/11/2026").status().message().find("--date") !=
        std::string::npos);

  DayReportOptions options;
  options.date = "2026-11-28";
  auto r = ComputeDayReport(store.get(), &env, view, options);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->date == "2026-11-28");
  CHECK(r->cycle == "2026-11");
  CHECK(r->total.visits == 4);         // a c e h
  CHECK(r->units_covered_today == 2);  // 101 and 202
  CHECK(r->cycle_totals.units == 4);
  CHECK(r->cycle_totals.checked == 3);
  CHECK(r->cycle_totals.remaining == 1);
  CHECK(r->cycle_totals.revisits_due + r->cycle_totals.revisits_overdue == 1);
  CHECK(r->review_queue == 0);
  options.date = "2026-11-27";
  auto before = ComputeDayReport(store.get(), &env, view, options);
  REQUIRE(before.ok());
  CHECK(before->units_covered_today == 2);  // 102 and 202
  CHECK(before->cycle_totals.checked == 2);
  options.date = "2026-11-29";
  auto after = ComputeDayReport(store.get(), &env, view, options);
  REQUIRE(after.ok());
  CHECK(after->units_covered_today == 2);  // 101 again, 102 again
  CHECK(after->cycle_totals.revisits_due + after->cycle_totals.revisits_overdue == 1);
  options.date = "2026-02-30";
  CHECK(ComputeDayReport(store.get(), &env, view, options).status().code() ==
        Code::kInvalidArgument);
}

TEST_CASE("day report renderings: CSV quoting, HTML escaping, labels, JSON") {
  DayReport r;
  r.date = "2026-11-28";
  r.cycle = "2026-11";
  r.total = Counts(3, 3, 0, 2, 1, 0, 0, 4, 1);
  r.by_officer["A\"1,0"] = r.total;
  r.cycle_totals.units = 120;
  r.units_covered_today = 7;
  r.dens_by_status = {{"none", 5}, {"suspected", 1}};
  r.dens_new = {"k<1>"};
  r.dens_new_addresses = {"国庆北路18号,3栋 \"A\"\n<script>alert(1)</script>"};
  r.suspects_by_disposition = {{"detained", 2}, {"odd_code", 1}};
  r.suspects = 3;
  r.top_indicators = {{"modem_pool", 3}, {"x<y>", 1}};
  r.review_queue = 4;
  cases::CaseOptions options{{},
                             {{"detained", "刑事拘留", "criminal detention", "person", "alert"}}};

  std::string csv = RenderDayReport(r, options, ReportFormat::kCsv, Lang::kZh);
  auto rows = ParseCsv(csv);
  REQUIRE(!rows.empty());
  CHECK(rows[0] == std::vector<std::string>{"report", "代码", "项目", "数值"});
  CHECK(FindRow(rows, "report", "date") ==
        std::vector<std::string>{"report", "date", "日期", "2026-11-28"});
  auto officer = FindRow(rows, "visits", "A\"1,0");
  REQUIRE(officer.size() == 11);
  CHECK(officer[2] == "3");
  CHECK(officer[9] == "4");
  CHECK(csv.find("\"A\"\"1,0\"") != std::string::npos);
  CHECK(FindRow(rows, "visits", "合计")[5] == "2");
  CHECK(FindRow(rows, "dens_new", "k<1>") ==
        std::vector<std::string>{"dens_new", "k<1>", r.dens_new_addresses[0]});
  CHECK(FindRow(rows, "suspects", "detained") ==
        std::vector<std::string>{"suspects", "detained", "刑事拘留", "2"});
  CHECK(FindRow(rows, "suspects", "odd_code")[2] == "odd_code");  // unknown code shown as is
  CHECK(FindRow(rows, "indicators", "modem_pool")[2] == "猫池");
  CHECK(FindRow(rows, "coverage", "units_covered_today")[3] == "7");
  CHECK(FindRow(rows, "coverage", "units")[3] == "120");
  CHECK(FindRow(rows, "dens", "suspected")[2] == "疑似窝点");
  CHECK(FindRow(rows, "dens", "new_today")[3] == "1");
  CHECK(FindRow(rows, "queues", "review_queue")[3] == "4");
  // Every block starts with its header line after an empty line.
  CHECK(csv.find("\n\nvisits,民警,") != std::string::npos);
  CHECK(RenderDayReport(r, options, ReportFormat::kCsv, Lang::kEn).find("criminal detention") !=
        std::string::npos);

  std::string html = RenderDayReport(r, options, ReportFormat::kHtml, Lang::kZh);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("A&quot;1,0") != std::string::npos);
  CHECK(html.find("x&lt;y&gt;") != std::string::npos);
  CHECK(html.find("@media print") != std::string::npos);
  CHECK(html.find("A4") != std::string::npos);
  CHECK(html.find("http") == std::string::npos);  // no external assets
  CHECK(html.find("日终报表") != std::string::npos);

  std::string zh = RenderDayReport(r, options, ReportFormat::kTable, Lang::kZh);
  CHECK(zh.find("【走访】") != std::string::npos);
  CHECK(zh.find("刑事拘留") != std::string::npos);
  CHECK(zh.find("今日覆盖户数") != std::string::npos);
  std::string en = RenderDayReport(r, options, ReportFormat::kTable, Lang::kEn);
  CHECK(en.find("criminal detention") != std::string::npos);
  CHECK(en.find("units covered today") != std::string::npos);

  google::protobuf::Struct json;
  REQUIRE(google::protobuf::util::JsonStringToMessage(DayReportJson(r), &json).ok());
  const auto& f = json.fields();
  CHECK(f.at("units_covered_today").number_value() == 7);
  CHECK(f.at("by_officer").struct_value().fields().count("A\"1,0") == 1);
  CHECK(f.at("dens_new")
            .list_value()
            .values(0)
            .struct_value()
            .fields()
            .at("address")
            .string_value() == r.dens_new_addresses[0]);
  CHECK(f.at("suspects_by_disposition").struct_value().fields().at("detained").number_value() == 2);
}
