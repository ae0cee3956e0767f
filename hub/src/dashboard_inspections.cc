// Joint inspections as each agency may see them, and the exports (docs/api.md
// "Station dashboard"). The rows are built from the very feed items an
// agency's tablets receive (ledger_service.cc DesireInspections): the shared
// company and premises facts and that agency's own section, opened here with
// the agency's key. Nothing else reaches a regulator, so nothing else can
// leak through these routes.
#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "audit_dash.h"
#include "dashboard_internal.h"
#include "register_rules.h"
#include "sweep/hub/agency_keys.h"
#include "sweep/hub/audit.h"
#include "sweep/schema/address.h"
#include "sweep/schema/indicators.h"
#include "sweep/sync/sections.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::hub::dash {

namespace {

constexpr std::string_view kRegulated[] = {"market_regulation", "tax", "commerce"};

// The agencies whose inspections the session may see, or the refusal.
std::optional<DashResponse> AgenciesFor(Ctx& c, std::vector<std::string>* out) {
  const std::string asked = Param(c.req, "agency");
  if (c.session.role == "regulator") {
    if (!asked.empty() && asked != c.session.agency) {
      return Denied(c,
                    Error(403, "forbidden",
                          "a regulator sees its own agency's inspections only (" +
                              c.session.agency + "), not " + asked + "'s"),
                    "inspections");
    }
    out->push_back(c.session.agency);
    return std::nullopt;
  }
  if (asked.empty()) {
    for (std::string_view a : kRegulated) out->emplace_back(a);
    return std::nullopt;
  }
  if (std::find(std::begin(kRegulated), std::end(kRegulated), asked) == std::end(kRegulated)) {
    return BadField("agency", "'" + asked +
                                  "' is not an agency whose findings are sealed apart: give "
                                  "market_regulation, tax or commerce (or nothing for all)");
  }
  out->push_back(asked);
  return std::nullopt;
}

std::string Licence(v1::LicenceStatus s) {
  std::string name = v1::LicenceStatus_Name(s);
  constexpr std::string_view kPrefix = "LICENCE_STATUS_";
  if (name.starts_with(kPrefix)) name = name.substr(kPrefix.size());
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) {
    return static_cast<char>(std::tolower(ch));
  });
  return name == "unspecified" ? "" : name;
}

Result<v1::DashInspection> RowOf(const AgencyKeys& keys, const std::string& agency,
                                 const v1::Inspection& item) {
  const crypto::BoxKeyPair* key = keys.Of(agency);
  if (key == nullptr) return Status::Internal("no section key for agency " + agency);
  v1::Record holder;
  *holder.mutable_office_sweep() = item.sweep();
  SWEEP_ASSIGN_OR_RETURN(size_t sealed, sync::sections::Open(&holder, {{agency, &key->secret_key}}));
  const v1::OfficeSweep& o = holder.office_sweep();
  if (sealed != 0 || o.persons_size() != 0) {
    // The ledger builds these views; anything beyond the agency's own part
    // is a bug there, and is never shown.
    return Status::Internal("the " + agency + " view of record " + item.record_id() +
                            " holds more than its own section: refusing to show it");
  }
  v1::DashInspection row;
  row.set_record_id(item.record_id());
  row.set_version(item.version());
  row.set_agency(agency);
  std::string address = schema::AddressText(o.address());
  row.set_address(address.empty() ? o.address().raw() : address);
  row.set_company_name(o.company_name());
  row.set_credit_code(o.credit_code());
  row.set_licence(Licence(o.licence()));
  row.set_registered_business(o.registered_business());
  row.set_actual_business(o.actual_business());
  row.set_staff_registered(o.staff_registered());
  row.set_staff_present(o.staff_present());
  row.set_visited_at_ms(o.visited_at_ms());
  row.set_officer_id(item.officer_id());
  std::vector<std::string> agencies;
  for (const auto& p : o.participants()) agencies.push_back(p.agency());
  std::sort(agencies.begin(), agencies.end());
  agencies.erase(std::unique(agencies.begin(), agencies.end()), agencies.end());
  for (auto& a : agencies) row.add_agencies(a);
  for (const v1::AgencyFinding& f : o.findings()) {
    if (f.agency() != agency) continue;
    row.set_summary(f.summary());
    for (const v1::Indicator& i : f.indicators()) {
      if (!i.present()) continue;
      v1::DashIndicator* d = row.add_indicators();
      d->set_code(i.code());
      if (const schema::IndicatorInfo* info = schema::FindIndicator(i.code())) {
        d->set_zh(std::string(info->zh));
        d->set_en(std::string(info->en));
      }
      d->set_count(i.count());
      d->set_detail(i.detail());
    }
    for (const v1::Disposition& d : f.dispositions()) row.add_dispositions(d.code());
  }
  return row;
}

// Every live inspection item for `agencies`, newest visit first.
Result<std::vector<v1::DashInspection>> Load(Ctx& c, const std::vector<std::string>& agencies) {
  std::vector<std::string> audiences;
  for (const std::string& a : agencies) audiences.push_back("agency:" + a);
  std::map<std::pair<std::string, std::string>, FeedItemRow> latest;  // (audience, key)
  constexpr size_t kPage = 1000;
  uint64_t cursor = 0;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(auto rows,
                           c.service->store()->ReadFeed(audiences, cursor, kPage, {"inspection"}));
    for (FeedItemRow& r : rows) {
      cursor = r.seq;
      latest[{r.audience, r.key}] = std::move(r);
    }
    if (rows.size() < kPage) break;
  }
  std::vector<v1::DashInspection> out;
  for (const auto& [id, row] : latest) {
    if (row.deleted) continue;
    v1::Inspection item;
    if (!item.ParseFromArray(row.payload.data(), static_cast<int>(row.payload.size()))) {
      return Status::Corruption("feed item " + std::to_string(row.seq) +
                                " is no readable inspection");
    }
    SWEEP_ASSIGN_OR_RETURN(auto r, RowOf(c.service->agency_keys(), id.first.substr(7), item));
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.visited_at_ms() != b.visited_at_ms() ? a.visited_at_ms() > b.visited_at_ms()
                                                  : a.record_id() < b.record_id();
  });
  return out;
}

// RFC 4180: quoted when it holds a comma, a quote or a line break. A cell
// that a spreadsheet would run as a formula is prefixed with a quote mark.
std::string Cell(std::string v) {
  if (!v.empty() && std::string_view("=+-@\t\r").find(v.front()) != std::string_view::npos) {
    v.insert(v.begin(), '\'');
  }
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char ch : v) {
    if (ch == '"') q += '"';
    q += ch;
  }
  return q + "\"";
}

std::string Csv(const std::vector<std::vector<std::string>>& rows) {
  std::string out = "\xEF\xBB\xBF";  // a BOM: spreadsheets then read the Chinese as UTF-8
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) out += ',';
      out += Cell(row[i]);
    }
    out += "\r\n";
  }
  return out;
}

std::string Time(const Ctx& c, int64_t ms) {
  if (ms <= 0) return "";
  auto settings = internal::LoadSettings(c.service->store());
  int offset = settings.ok() ? settings->config.utc_offset_minutes : 480;
  time_t t = static_cast<time_t>(ms / 1000 + offset * 60);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

DashResponse CsvAnswer(std::string body, const std::string& name) {
  DashResponse out;
  out.content_type = "text/csv; charset=utf-8";
  out.body = std::move(body);
  out.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + ".csv\"");
  return out;
}

}  // namespace

DashResponse Inspections(Ctx& c) {
  std::vector<std::string> agencies;
  if (auto refusal = AgenciesFor(c, &agencies)) return *refusal;
  auto rows = Load(c, agencies);
  if (!rows.ok()) return FromStatus(rows.status());
  v1::DashInspections out;
  for (auto& r : *rows) *out.add_inspections() = std::move(r);
  std::string list;
  for (const auto& a : agencies) list += (list.empty() ? "" : ",") + a;
  return Audited(c, Json(out), "read", "list:inspections", AuditDetail({{"agencies", list}}));
}

DashResponse Export(Ctx& c) {
  const std::string what = Param(c.req, "what");
  std::vector<std::vector<std::string>> table;
  std::string detail;
  if (what == "inspections") {
    std::vector<std::string> agencies;
    if (auto refusal = AgenciesFor(c, &agencies)) return *refusal;
    auto rows = Load(c, agencies);
    if (!rows.ok()) return FromStatus(rows.status());
    table.push_back({"record_id", "version", "agency", "visited_at", "address", "company_name",
                     "credit_code", "licence", "registered_business", "actual_business",
                     "staff_registered", "staff_present", "agencies", "summary", "indicators",
                     "dispositions"});
    for (const auto& r : *rows) {
      std::string agencies_s, indicators, dispositions;
      for (const auto& a : r.agencies()) agencies_s += (agencies_s.empty() ? "" : ";") + a;
      for (const auto& i : r.indicators()) indicators += (indicators.empty() ? "" : ";") + i.code();
      for (const auto& d : r.dispositions()) dispositions += (dispositions.empty() ? "" : ";") + d;
      table.push_back({r.record_id(), std::to_string(r.version()), r.agency(),
                       Time(c, r.visited_at_ms()), r.address(), r.company_name(), r.credit_code(),
                       r.licence(), r.registered_business(), r.actual_business(),
                       std::to_string(r.staff_registered()), std::to_string(r.staff_present()),
                       agencies_s, r.summary(), indicators, dispositions});
    }
    for (const auto& a : agencies) detail += (detail.empty() ? "" : ",") + a;
  } else if (what == "dens") {
    if (!Allowed(c.session.role, Right::kCases)) {
      return Denied(c,
                    Error(403, "forbidden",
                          "your role (" + c.session.role + ") may not export dens"),
                    "export?what=dens");
    }
    DashResponse err;
    auto view = c.View(&err);
    if (!view) return err;
    table.push_back({"key", "address", "kind", "status", "last_visit", "suspected_at",
                     "indicators", "persons"});
    for (const auto& [key, p] : view->premises) {
      if (p.status == cases::DenStatus::kNone) continue;
      v1::DashDenSummary s = DenSummaryOf(*view, p);
      table.push_back({s.key(), s.address(), s.kind(), s.status(), Time(c, s.last_visit_ms()),
                       Time(c, s.suspected_ms()), std::to_string(s.indicators()),
                       std::to_string(s.persons())});
    }
  } else {
    return BadField("what", "'" + what + "' cannot be exported: give inspections or dens");
  }
  const std::string name = "sweep-" + what + "-" + Time(c, c.service->env()->NowMillis()).substr(0, 10);
  return Audited(c, CsvAnswer(Csv(table), name), "export", "list:" + what,
                 AuditDetail({{"what", what}, {"rows", std::to_string(table.size() - 1)},
                              {"agencies", detail}}));
}

}  // namespace sweep::hub::dash
