// Case file passes over the CaseUpdates (docs/cases.md §2, §3, §5): each
// update's subject, the den timeline of every premises (automatic changes
// from visits interleaved with the updates by time), the suspects' updates,
// versions and conflicts.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <set>
#include <tuple>

#include "casefile_internal.h"

namespace sweep::hub::cases::internal {
namespace {

bool HasAddress(const v1::CaseUpdate& u) {
  return u.has_address() && (!u.address().raw().empty() || !u.address().normalized_key().empty() ||
                             !schema::AddressText(u.address()).empty());
}

std::string Describe(const UpdateRef& u) {
  return (u.source.device_id == "hub" ? "hub edit " : "case update ") + u.source.record_id;
}

// The subject of an update, or "" (with a problem line) when it names none.
std::string SubjectOf(const UpdateRef& u, Work& w) {
  const v1::CaseUpdate& up = *u.update;
  const bool person = !up.person_entity().empty() || !up.person_id_number().empty();
  if (HasAddress(up) == person) {
    w.Problem(Describe(u) +
              ": name either the premises (address) or the person (person_entity "
              "or person_id_number), " +
              (person ? "not both" : "none is given") +
              "; record a new update that names one (须指明场所或人员之一)");
    return "";
  }
  if (!person) {
    const v1::Address a = w.norm.Address(up.address());
    if (!a.normalized_key().empty() && w.view.premises.count(a.normalized_key())) {
      return "premises:" + a.normalized_key();
    }
    w.Problem(Describe(u) + ": no visited premises at '" + up.address().raw() + "'" +
              (a.normalized_key().empty() ? " (" + a.unresolved_reason() + ")" : "") +
              "; the update is skipped — check the address (场所不存在)");
    return "";
  }
  if (!up.person_entity().empty()) {
    if (w.persons.count(up.person_entity())) return "person:" + up.person_entity();
    w.Problem(Describe(u) + ": no person entity '" + up.person_entity() +
              "'; the update is skipped — check the entity id with `sweep-hub persons show` "
              "(人员不存在)");
    return "";
  }
  const std::string& id = w.norm.IdNumber(up.person_id_number());
  auto it = id.empty() ? w.entity_by_id.end() : w.entity_by_id.find(id);
  if (it != w.entity_by_id.end()) return "person:" + it->second;
  w.Problem(Describe(u) + ": no recorded person has the ID number '" + up.person_id_number() +
            "'; the update is skipped — check the number (查无此身份证号)");
  return "";
}

struct Candidate {
  const UpdateRef* update;
  std::string value;
};

// The winner among concurrent values of one field (the last in order), and
// the conflict when two sources set different values (docs/cases.md §5).
const Candidate* Decide(const std::vector<Candidate>& cands, const std::string& subject,
                        const std::string& field, uint64_t version, Work& w) {
  if (cands.empty()) return nullptr;
  w.field_set_at[subject + "\n" + field].push_back(version);
  std::set<std::string> values, sources;
  for (const Candidate& c : cands) {
    values.insert(c.value);
    sources.insert(c.update->source_key);
  }
  if (values.size() >= 2 && sources.size() >= 2) {
    Conflict conflict{subject, field, version, {}, false};
    for (auto it = cands.rbegin(); it != cands.rend(); ++it) {
      conflict.values.push_back(Field{field, it->value, it->update->source});
    }
    w.view.conflicts.push_back(std::move(conflict));
  }
  return &cands.back();
}

void ApplyVisit(size_t i, Premises& p, Work& w) {
  const VisitSummary& v = w.view.visits[i];
  if (v.den && (p.status == DenStatus::kNone || p.status == DenStatus::kCleared)) {
    std::string why;
    for (const std::string& code : v.indicators) why += (why.empty() ? "" : ",") + code;
    const char* path = v.kind == "office" ? "findings" : "indicators";
    p.history.push_back(StatusChange{p.status, DenStatus::kSuspected, v.officer_id, v.at_ms, why,
                                     true, w.SourceOf(i, path)});
    p.status = DenStatus::kSuspected;
    p.suspected_ms = v.at_ms;
  }
  if (p.status == DenStatus::kNone || p.status == DenStatus::kCleared) return;
  for (const MentionRef& m : w.mentions[i]) {  // §3 (1): den occupants
    if (m.role == "landlord" || !m.person->present_at_visit()) continue;
    PersonWork& pw = w.persons[m.entity];
    const Source& had = pw.person.involvement_source;
    // The earliest den visit is the source, whatever order premises run in.
    if (!pw.person.involvement.empty() &&
        (!pw.automatic || std::tie(had.at_ms, had.record_id) <= std::tie(v.at_ms, v.record_id))) {
      continue;
    }
    pw.person.involvement = "den_occupant";
    pw.person.involvement_source = w.SourceOf(i, m.path);
    pw.automatic = true;
  }
}

std::string UnknownCode(const UpdateRef& u, int k, const std::string& code) {
  return Describe(u) + " dispositions[" + std::to_string(k) + "]: unknown disposition code '" +
         code + "', kept as recorded; add it with `sweep-hub dispositions add " + code +
         " --zh … --en …` (未配置的处置代码)";
}

// One group of concurrent updates (same subject_version) on a premises.
void ApplyPremisesGroup(const UpdateRef* b, const UpdateRef* e, Premises& p, PremisesWork& pw,
                        Work& w) {
  const std::string subject = "premises:" + p.key;
  const uint64_t version = b->update->subject_version();
  const DenStatus base = p.status;
  std::vector<Candidate> cands;
  for (const UpdateRef* u = b; u != e; ++u) {
    const v1::CaseUpdate& up = *u->update;
    p.version = std::max(p.version, version + 1);
    if (!up.involvement().empty()) {
      w.Problem(Describe(*u) +
                ": involvement applies to persons, not premises; ignored "
                "(涉案身份只适用于人员)");
    }
    if (!up.den_status().empty()) {
      auto to = ParseDenStatus(up.den_status());
      if (!to) {
        w.Problem(Describe(*u) + ": unknown den status '" + up.den_status() +
                  "'; use suspected, investigating, raided or cleared (未知状态)");
      } else if (*to != base && !AllowedTransition(base, *to)) {
        w.Problem(Describe(*u) + " (" + subject + "): den status cannot change from " +
                  std::string(DenStatusName(base)) + " to " + up.den_status() +
                  "; skipped — see docs/cases.md §2 for the allowed changes (状态变更不允许)");
      } else {
        cands.push_back({u, up.den_status()});
      }
    }
    for (int k = 0; k < up.dispositions_size(); ++k) {
      const std::string& code = up.dispositions(k).code();
      if (!w.codes.count(code)) w.Problem(UnknownCode(*u, k, code));
      Source s = u->source;
      s.path = "dispositions[" + std::to_string(k) + "]";
      pw.actions.push_back(Field{"actions", code, std::move(s)});
    }
  }
  const Candidate* win = Decide(cands, subject, "den_status", version, w);
  if (win == nullptr) return;
  const DenStatus to = *ParseDenStatus(win->value);
  if (to == base) return;
  const UpdateRef& u = *win->update;
  p.history.push_back(StatusChange{base, to, u.source.officer_id, DecidedAt(u), u.update->reason(),
                                   false, u.source});
  p.status = to;
  if (to == DenStatus::kSuspected) p.suspected_ms = DecidedAt(u);
}

void ApplyPersonGroup(const UpdateRef* b, const UpdateRef* e, PersonWork& pw, Work& w) {
  PersonCase& person = pw.person;
  const std::string subject = "person:" + person.entity;
  const uint64_t version = b->update->subject_version();
  std::vector<Candidate> cands;
  for (const UpdateRef* u = b; u != e; ++u) {
    const v1::CaseUpdate& up = *u->update;
    person.version = std::max(person.version, version + 1);
    if (!up.den_status().empty()) {
      w.Problem(Describe(*u) +
                ": den status applies to premises, not persons; ignored "
                "(窝点状态只适用于场所)");
    }
    if (!up.involvement().empty()) cands.push_back({u, up.involvement()});
    for (int k = 0; k < up.dispositions_size(); ++k) {
      const v1::Disposition& d = up.dispositions(k);
      auto code = w.codes.find(d.code());
      if (code == w.codes.end()) {
        w.Problem(UnknownCode(*u, k, d.code()));
      } else if (code->second->scope != "person") {
        w.Problem(Describe(*u) + " dispositions[" + std::to_string(k) + "]: '" + d.code() +
                  "' is a premises disposition, not one for a person; ignored (处置对象不符)");
        continue;
      }
      Source s = u->source;
      s.path = "dispositions[" + std::to_string(k) + "]";
      person.dispositions.push_back(DispositionSeen{d.code(), d.detail(), std::move(s)});
    }
  }
  const Candidate* win = Decide(cands, subject, "involvement", version, w);
  if (win == nullptr) return;
  person.involvement = win->value == "none" ? "" : win->value;
  person.involvement_source = win->update->source;
  pw.automatic = false;
}

// Calls f(begin, end) for each group of one subject_version in [b, e).
template <typename F>
void ForEachGroup(const UpdateRef* b, const UpdateRef* e, F f) {
  while (b != e) {
    const UpdateRef* g = b;
    while (g != e && g->update->subject_version() == b->update->subject_version()) ++g;
    f(b, g);
    b = g;
  }
}

// [begin, end) of each subject's updates in w.updates (sorted by subject).
std::map<std::string, std::pair<size_t, size_t>> Ranges(const Work& w) {
  std::map<std::string, std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < w.updates.size();) {
    size_t j = i;
    while (j < w.updates.size() && w.updates[j].subject == w.updates[i].subject) ++j;
    out[w.updates[i].subject] = {i, j};
    i = j;
  }
  return out;
}

}  // namespace

void CollectUpdates(const std::vector<const v1::Record*>& records,
                    const std::vector<HubEdit>& edits, Work& w) {
  std::vector<UpdateRef> all;
  for (const v1::Record* r : records) {
    const v1::CaseUpdate& up = r->case_update();
    UpdateRef u;
    u.update = &up;
    u.source = Source{r->record_id(),
                      r->version(),
                      r->officer_id(),
                      r->device_id(),
                      up.decided_at_ms() != 0 ? up.decided_at_ms() : r->hlc().wall_ms(),
                      ""};
    u.order_id = r->record_id();
    u.source_key = "device:" + r->device_id() + (r->device_id().empty() ? r->officer_id() : "");
    u.hlc_wall = r->hlc().wall_ms();
    u.hlc_logical = r->hlc().logical();
    all.push_back(std::move(u));
  }
  for (const HubEdit& e : edits) {
    UpdateRef u;
    u.update = &e.update;
    const int64_t at = e.update.decided_at_ms() != 0 ? e.update.decided_at_ms() : e.at_ms;
    u.source = Source{"hub:" + std::to_string(e.seq), 0, e.by, "hub", at, ""};
    char padded[32];
    std::snprintf(padded, sizeof padded, "hub:%020" PRIu64, e.seq);
    u.order_id = padded;
    u.source_key = "hub:" + e.by;
    u.hlc_wall = e.at_ms;
    all.push_back(std::move(u));
  }
  for (UpdateRef& u : all) {
    u.subject = SubjectOf(u, w);
    if (!u.subject.empty()) w.updates.push_back(std::move(u));
  }
  std::sort(w.updates.begin(), w.updates.end(), [](const UpdateRef& a, const UpdateRef& b) {
    return a.subject != b.subject ? a.subject < b.subject : UpdateBefore(a, b);
  });
}

void RunDenTimelines(Work& w) {
  const auto ranges = Ranges(w);
  for (auto& [key, pw] : w.premises) {
    Premises& p = w.view.premises[key];
    std::vector<std::pair<const UpdateRef*, const UpdateRef*>> groups;
    if (auto r = ranges.find("premises:" + key); r != ranges.end()) {
      const UpdateRef* base = w.updates.data();
      ForEachGroup(base + r->second.first, base + r->second.second,
                   [&](const UpdateRef* b, const UpdateRef* e) { groups.emplace_back(b, e); });
    }
    // A visit goes before a group of updates decided at or after its time.
    size_t vi = 0, gi = 0;
    while (vi < pw.visits.size() || gi < groups.size()) {
      if (gi == groups.size() || (vi < pw.visits.size() && w.view.visits[pw.visits[vi]].at_ms <=
                                                               DecidedAt(*groups[gi].first))) {
        ApplyVisit(pw.visits[vi++], p, w);
      } else {
        ApplyPremisesGroup(groups[gi].first, groups[gi].second, p, pw, w);
        ++gi;
      }
    }
  }
}

void ApplyPersonUpdates(Work& w) {
  for (const auto& [subject, range] : Ranges(w)) {
    if (subject.rfind("person:", 0) != 0) continue;
    PersonWork& pw = w.persons[subject.substr(7)];
    const UpdateRef* base = w.updates.data();
    ForEachGroup(base + range.first, base + range.second,
                 [&](const UpdateRef* b, const UpdateRef* e) { ApplyPersonGroup(b, e, pw, w); });
  }
}

}  // namespace sweep::hub::cases::internal
