// The coverage ledger's rules. docs/ledger.md is the spec; the section
// numbers in comments refer to it.
#include "sweep/schema/ledger.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>

#include "sweep/schema/identifiers.h"
#include "sweep/schema/indicators.h"

namespace sweep::schema::ledger {
namespace {

constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;

// Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms,
// valid for the proleptic Gregorian calendar).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t OffsetMs(const CycleConfig& c) { return int64_t{c.utc_offset_minutes} * 60 * 1000; }
// The local day number (days since 1970-01-01 local) of an instant.
int64_t LocalDay(const CycleConfig& c, int64_t ms) { return FloorDiv(ms + OffsetMs(c), kDayMs); }
// The instant the local day `day` starts.
int64_t DayStartMs(const CycleConfig& c, int64_t day) { return day * kDayMs - OffsetMs(c); }

std::string FormatDate(int64_t day) {
  Civil c = CivilFromDays(day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.y), c.m, c.d);
  return buf;
}

// §2: the status a visit reports, with unspecified read as a check (the
// officer filled in a rental check without choosing: the door was opened).
v1::UnitStatus EffectiveStatus(v1::UnitStatus s) {
  return s == v1::UNIT_STATUS_UNSPECIFIED ? v1::UNIT_STATUS_CHECKED : s;
}
bool IsCoveringVisit(const Visit& v) {
  auto s = EffectiveStatus(v.status);
  return s == v1::UNIT_STATUS_CHECKED || s == v1::UNIT_STATUS_VACANT;
}
bool IsFailedVisit(const Visit& v) { return !IsCoveringVisit(v); }

void AddPersons(const google::protobuf::RepeatedPtrField<v1::Person>& persons,
                std::vector<PersonSeen>* out) {
  for (const v1::Person& p : persons) {
    PersonSeen seen;
    seen.key = PersonKey(p.name(), p.id_number());
    if (seen.key.empty()) continue;  // nobody to account for
    seen.name = p.name();
    seen.present = p.present_at_visit();
    seen.moved_out = !p.moved_out_date().empty();
    out->push_back(std::move(seen));
  }
}

void AddIndicators(const google::protobuf::RepeatedPtrField<v1::Indicator>& indicators,
                   std::vector<std::string>* out) {
  for (const v1::Indicator& i : indicators)
    if (i.present()) out->push_back(i.code());
}

// The raw text of an address whose parts were filled in separately (a form)
// with no free text typed.
// Two sightings are the same person: same key, or the same name when one
// side has only a name (a register with the ID, a visit without it).
bool SamePerson(const PersonSeen& a, const PersonSeen& b) {
  if (a.key == b.key) return true;
  bool a_name_only = a.key.rfind("name:", 0) == 0, b_name_only = b.key.rfind("name:", 0) == 0;
  if (!a_name_only && !b_name_only) return false;  // two IDs that differ
  return !a.name.empty() && NormalizeIdentifierInput(a.name) == NormalizeIdentifierInput(b.name);
}

bool ContainsPerson(const std::vector<PersonSeen>& list, const PersonSeen& p) {
  return std::any_of(list.begin(), list.end(), [&](const PersonSeen& q) { return SamePerson(p, q); });
}

// §5: time-of-day windows in the order a revisit prefers them.
constexpr std::array<std::string_view, 3> kWindowPreference = {"evening", "morning", "afternoon"};

std::string ChooseWindow(const CycleConfig& config, const std::vector<const Visit*>& failed) {
  std::set<std::string_view> tried;
  for (const Visit* v : failed) tried.insert(TimeOfDay(config, v->at_ms));
  for (std::string_view w : kWindowPreference)
    if (!tried.count(w)) return std::string(w);
  return std::string(kWindowPreference[0]);
}

std::vector<PersonSeen> Unaccounted(const std::vector<const Visit*>& visits,
                                    std::span<const PersonSeen> registered) {
  // §6: the latest covering visit answers for the unit's residents.
  const Visit* check = nullptr;
  for (const Visit* v : visits)
    if (IsCoveringVisit(*v)) check = v;
  std::vector<PersonSeen> expected, accounted;
  for (const PersonSeen& p : registered)
    if (!p.moved_out && !ContainsPerson(expected, p)) expected.push_back(p);
  for (const Visit* v : visits) {
    if (v == check) break;
    for (const PersonSeen& p : v->persons) {
      if (p.moved_out) accounted.push_back(p);
      else if (!ContainsPerson(expected, p)) expected.push_back(p);
    }
  }
  if (check != nullptr) {
    for (const PersonSeen& p : check->persons)
      if (p.present || p.moved_out) accounted.push_back(p);
  }
  std::vector<PersonSeen> out;
  for (const PersonSeen& p : expected)
    if (!ContainsPerson(accounted, p)) out.push_back(p);
  std::sort(out.begin(), out.end(),
            [](const PersonSeen& a, const PersonSeen& b) { return a.key < b.key; });
  return out;
}

}  // namespace

std::string_view StateName(UnitState state) {
  switch (state) {
    case UnitState::kDenSuspected: return "den_suspected";
    case UnitState::kRevisitDue: return "revisit_due";
    case UnitState::kNoAnswer: return "no_answer";
    case UnitState::kRefused: return "refused";
    case UnitState::kUnvisited: return "unvisited";
    case UnitState::kVacant: return "vacant";
    case UnitState::kChecked: return "checked";
  }
  return "unvisited";
}

std::optional<UnitState> StateFromName(std::string_view name) {
  for (UnitState s : {UnitState::kDenSuspected, UnitState::kRevisitDue, UnitState::kNoAnswer,
                      UnitState::kRefused, UnitState::kUnvisited, UnitState::kVacant,
                      UnitState::kChecked})
    if (StateName(s) == name) return s;
  return std::nullopt;
}

bool IsCovered(UnitState state) {
  return state == UnitState::kChecked || state == UnitState::kVacant;
}

Result<CycleConfig> ConfigFromProto(const v1::LedgerConfig& proto) {
  CycleConfig c;
  if (proto.cycle().empty() || proto.cycle() == "monthly") {
    c.kind = CycleConfig::Kind::kMonthly;
  } else if (proto.cycle() == "days") {
    c.kind = CycleConfig::Kind::kDays;
    if (proto.cycle_days() < 1 || proto.cycle_days() > 366)
      return Status::InvalidArgument("ledger config: cycle_days is " +
                                     std::to_string(proto.cycle_days()) +
                                     "; a \"days\" cycle needs 1..366 days");
    c.cycle_days = static_cast<int>(proto.cycle_days());
    c.anchor_ms = proto.anchor_ms();
  } else {
    return Status::InvalidArgument("ledger config: cycle \"" + proto.cycle() +
                                   "\" is unknown; use \"monthly\" or \"days\"");
  }
  if (proto.revisit_days() > 90)
    return Status::InvalidArgument("ledger config: revisit_days is " +
                                   std::to_string(proto.revisit_days()) + "; use 1..90");
  if (proto.revisit_days() != 0) c.revisit_days = static_cast<int>(proto.revisit_days());
  if (proto.utc_offset_minutes() < -720 || proto.utc_offset_minutes() > 840)
    return Status::InvalidArgument("ledger config: utc_offset_minutes is " +
                                   std::to_string(proto.utc_offset_minutes()) +
                                   "; use -720..840 (480 for China Standard Time)");
  if (proto.utc_offset_minutes() != 0) c.utc_offset_minutes = proto.utc_offset_minutes();
  return c;
}

v1::LedgerConfig ConfigToProto(const CycleConfig& config, const std::string& default_division) {
  v1::LedgerConfig p;
  p.set_cycle(config.kind == CycleConfig::Kind::kMonthly ? "monthly" : "days");
  if (config.kind == CycleConfig::Kind::kDays) {
    p.set_cycle_days(static_cast<uint32_t>(config.cycle_days));
    p.set_anchor_ms(config.anchor_ms);
  }
  p.set_revisit_days(static_cast<uint32_t>(config.revisit_days));
  p.set_utc_offset_minutes(config.utc_offset_minutes);
  p.set_default_division(default_division);
  return p;
}

Cycle CycleAt(const CycleConfig& config, int64_t now_ms) {
  Cycle cycle;
  if (config.kind == CycleConfig::Kind::kMonthly) {
    Civil today = CivilFromDays(LocalDay(config, now_ms));
    int64_t first = DaysFromCivil(today.y, today.m, 1);
    int64_t next = today.m == 12 ? DaysFromCivil(today.y + 1, 1, 1)
                                 : DaysFromCivil(today.y, today.m + 1, 1);
    cycle.start_ms = DayStartMs(config, first);
    cycle.end_ms = DayStartMs(config, next);
    cycle.label = FormatDate(first).substr(0, 7);
    return cycle;
  }
  const int64_t length = int64_t{std::max(config.cycle_days, 1)} * kDayMs;
  const int64_t n = FloorDiv(now_ms - config.anchor_ms, length);
  cycle.start_ms = config.anchor_ms + n * length;
  cycle.end_ms = cycle.start_ms + length;
  cycle.label = LocalDate(config, cycle.start_ms) + "+" + std::to_string(config.cycle_days) + "d";
  return cycle;
}

std::string LocalDate(const CycleConfig& config, int64_t ms) {
  return FormatDate(LocalDay(config, ms));
}

std::string_view TimeOfDay(const CycleConfig& config, int64_t ms) {
  int64_t in_day = (ms + OffsetMs(config)) - LocalDay(config, ms) * kDayMs;
  int64_t hour = in_day / (60 * 60 * 1000);
  if (hour >= 6 && hour < 12) return "morning";
  if (hour >= 12 && hour < 18) return "afternoon";
  return "evening";
}

std::string PersonKey(std::string_view name, std::string_view id_number) {
  if (!id_number.empty()) {
    Verdict id = CheckResidentId(id_number);
    if (id.ok() && !id.normalized.empty()) return "id:" + id.normalized;
  }
  std::string normalized = NormalizeIdentifierInput(name);
  if (!normalized.empty()) return "name:" + normalized;
  return "";
}

std::string MatchUnitKey(std::span<const std::string> registered_units, std::string_view unit_key) {
  auto listed = [&](std::string_view k) {
    return std::find(registered_units.begin(), registered_units.end(), k) !=
           registered_units.end();
  };
  if (unit_key.empty()) return "";
  if (listed(unit_key)) return std::string(unit_key);
  auto [stair, room] = SplitUnitKey(unit_key);
  // "1单元502" in a building the register lists without stairwells.
  if (stair == "1" && listed(room)) return room;
  if (!stair.empty()) return "";
  std::string match;
  for (const std::string& k : registered_units) {
    auto [s, r] = SplitUnitKey(k);
    if (r != room || s.empty()) continue;
    if (!match.empty()) return "";  // several stairwells have this room: ambiguous
    match = k;
  }
  return match;
}

bool IndicatesDen(const std::vector<std::string>& codes) {
  // §3: one strong indicator, or two weak ones (rental-pattern hints and
  // codes the checklist does not know).
  std::set<std::string> weak;
  for (const std::string& c : codes) {
    const IndicatorInfo* known = FindIndicator(c);
    if (known && known->strong) return true;
    weak.insert(c);
  }
  return weak.size() >= 2;
}

std::optional<Visit> VisitOf(const v1::Record& record, const AddressContext& context) {
  Visit v;
  v.record_id = record.record_id();
  v.version = record.version();
  v.officer_id = record.officer_id();
  int64_t visited_at = 0;
  if (record.has_rental_check()) {
    const v1::RentalCheck& r = record.rental_check();
    v.address = r.address();
    v.status = r.unit_status();
    visited_at = r.visited_at_ms();
    AddIndicators(r.indicators(), &v.indicators);
    AddPersons(r.occupants(), &v.persons);
  } else if (record.has_office_sweep()) {
    const v1::OfficeSweep& o = record.office_sweep();
    v.address = o.address();
    v.status = v1::UNIT_STATUS_CHECKED;
    visited_at = o.visited_at_ms();
    for (const v1::AgencyFinding& f : o.findings()) AddIndicators(f.indicators(), &v.indicators);
    AddPersons(o.persons(), &v.persons);
  } else {
    return std::nullopt;
  }
  v.at_ms = visited_at != 0 ? visited_at : record.hlc().wall_ms();
  v.den_suspected = IndicatesDen(v.indicators);
  if (v.address.normalized_key().empty()) {
    std::string raw = v.address.raw().empty() ? AddressText(v.address) : v.address.raw();
    v.address = NormalizeAddress(raw, context);
  }
  v.building_key = BuildingKeyOf(v.address);
  v.unit_key = UnitKeyOf(v.address);
  return v;
}

UnitLedger ComputeUnit(std::span<const Visit> visits, std::span<const PersonSeen> registered,
                       const CycleConfig& config, int64_t now_ms) {
  // §1: one visit per record, its highest version; then in time order.
  std::map<std::string, const Visit*> latest;
  for (const Visit& v : visits) {
    auto [it, fresh] = latest.emplace(v.record_id, &v);
    if (!fresh && v.version > it->second->version) it->second = &v;
  }
  std::vector<const Visit*> ordered;
  for (auto& [id, v] : latest) ordered.push_back(v);
  std::sort(ordered.begin(), ordered.end(), [](const Visit* a, const Visit* b) {
    return a->at_ms != b->at_ms ? a->at_ms < b->at_ms : a->record_id < b->record_id;
  });

  UnitLedger out;
  const Cycle cycle = CycleAt(config, now_ms);
  bool den = false;
  const Visit* cover = nullptr;
  std::vector<const Visit*> failed;  // this cycle, after the latest cover
  for (const Visit* v : ordered) {
    out.last_visit_ms = v->at_ms;
    out.last_officer_id = v->officer_id;
    // §3: a den suspicion stands until a later covering visit finds none.
    if (v->den_suspected) den = true;
    else if (IsCoveringVisit(*v)) den = false;
    if (v->at_ms < cycle.start_ms) continue;
    if (IsCoveringVisit(*v)) {
      cover = v;
      failed.clear();
    } else if (IsFailedVisit(*v)) {
      failed.push_back(v);
    }
  }
  if (cover != nullptr) out.covered_ms = cover->at_ms;
  out.failed_attempts = static_cast<int>(failed.size());
  out.unaccounted = Unaccounted(ordered, registered);

  if (cover == nullptr && !failed.empty()) {
    // §5: every failed attempt schedules a revisit from the next local day,
    // due by the end of the revisit_days-th day after it.
    const Visit* last = failed.back();
    int64_t day = LocalDay(config, last->at_ms);
    out.revisit_from_ms = DayStartMs(config, day + 1);
    out.revisit_due_ms = DayStartMs(config, day + 1 + config.revisit_days);
    out.revisit_window = ChooseWindow(config, failed);
    out.revisit_reason = EffectiveStatus(last->status) == v1::UNIT_STATUS_REFUSED ? "refused"
                                                                                  : "no_answer";
    out.revisit_overdue = now_ms >= out.revisit_due_ms;
  }

  if (den) {
    out.state = UnitState::kDenSuspected;
  } else if (cover != nullptr) {
    out.state = EffectiveStatus(cover->status) == v1::UNIT_STATUS_VACANT ? UnitState::kVacant
                                                                         : UnitState::kChecked;
  } else if (!failed.empty()) {
    if (now_ms >= out.revisit_from_ms) out.state = UnitState::kRevisitDue;
    else out.state = out.revisit_reason == "refused" ? UnitState::kRefused : UnitState::kNoAnswer;
  } else {
    out.state = UnitState::kUnvisited;
  }
  return out;
}

}  // namespace sweep::schema::ledger
