// Case file passes after the timelines (docs/cases.md §3, §4, §6): the
// visits' on-the-spot dispositions (suspects and premises actions), then the
// winning slots become Fields with their sources and everything is sorted.
#include <algorithm>
#include <set>
#include <tuple>

#include "casefile_internal.h"

namespace sweep::hub::cases::internal {
namespace {

bool SourceBefore(const Source& a, const Source& b) {
  return std::tie(a.at_ms, a.record_id, a.path) < std::tie(b.at_ms, b.record_id, b.path);
}

// The persons a person-scope disposition concerns (§4): those named by ID
// number among the record's persons, else every non-landlord person.
std::vector<std::string> Targets(size_t i, const v1::Disposition& d, const std::string& path,
                                 Work& w) {
  std::vector<std::string> out;
  const std::vector<MentionRef>& mentions = w.mentions[i];
  if (d.person_id_numbers_size() == 0) {
    for (const MentionRef& m : mentions) {
      if (m.role != "landlord") out.push_back(m.entity);
    }
  }
  for (const std::string& typed : d.person_id_numbers()) {
    const std::string& id = w.norm.IdNumber(typed);
    auto it = std::find_if(mentions.begin(), mentions.end(), [&](const MentionRef& m) {
      return id.empty() ? m.person->id_number() == typed : *m.id_number == id;
    });
    if (it == mentions.end()) {
      w.Problem("record " + w.view.visits[i].record_id + " " + path + ": ID number '" + typed +
                "' is not that of a person in the record, so the disposition reaches nobody "
                "by it; correct the record (处置所列身份证号不在记录人员中)");
    } else {
      out.push_back(it->entity);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void ApplyDisposition(size_t i, const v1::Disposition& d, const std::string& path, Work& w) {
  const VisitSummary& v = w.view.visits[i];
  auto code = w.codes.find(d.code());
  if (code == w.codes.end() || code->second->scope != "person") {
    if (code == w.codes.end()) {
      w.Problem("record " + v.record_id + " " + path + ": unknown disposition code '" + d.code() +
                "', kept on the premises as an action; add it with `sweep-hub dispositions add " +
                d.code() + " --zh … --en …` (未配置的处置代码)");
    }
    if (!v.premises_key.empty()) {
      w.premises[v.premises_key].actions.push_back(Field{"actions", d.code(), w.SourceOf(i, path)});
    }
    return;
  }
  for (const std::string& entity : Targets(i, d, path, w)) {
    w.persons[entity].person.dispositions.push_back(
        DispositionSeen{d.code(), d.detail(), w.SourceOf(i, path)});
  }
}

}  // namespace

void ApplyVisitDispositions(Work& w) {
  for (size_t i = 0; i < w.records.size(); ++i) {
    const v1::Record& r = *w.records[i];
    if (r.has_rental_check()) {
      const auto& list = r.rental_check().dispositions();
      for (int k = 0; k < list.size(); ++k) {
        ApplyDisposition(i, list[k], "dispositions[" + std::to_string(k) + "]", w);
      }
      continue;
    }
    const auto& findings = r.office_sweep().findings();
    for (int f = 0; f < findings.size(); ++f) {
      for (int k = 0; k < findings[f].dispositions_size(); ++k) {
        ApplyDisposition(
            i, findings[f].dispositions(k),
            "findings[" + std::to_string(f) + "].dispositions[" + std::to_string(k) + "]", w);
      }
    }
  }
}

void Materialise(Work& w) {
  for (auto& [key, pw] : w.premises) {
    Premises& p = w.view.premises[key];
    p.address = VisitAddressOf(*w.records[pw.visits.back()]);
    for (size_t f = 0; f < pw.fields.size(); ++f) {
      PremisesSlot& s = pw.fields[f];
      if (!s.set) continue;
      p.fields.push_back(Field{kPremisesFields[f].first, s.value(),
                               w.SourceOf(s.visit, kPremisesFields[f].second)});
    }
    std::stable_sort(pw.actions.begin(), pw.actions.end(), [](const Field& a, const Field& b) {
      return SourceBefore(a.source, b.source);
    });
    for (Field& f : pw.actions) p.fields.push_back(std::move(f));
  }
  for (auto& [entity, pw] : w.persons) {
    PersonCase& person = pw.person;
    for (size_t f = 0; f < pw.fields.size(); ++f) {
      const Slot& s = pw.fields[f];
      if (s.value == nullptr) continue;
      const std::string path = w.mentions[s.visit][s.mention].path + "." + kPersonFieldNames[f];
      person.fields.push_back(Field{kPersonFieldNames[f], *s.value, w.SourceOf(s.visit, path)});
    }
    std::stable_sort(person.dispositions.begin(), person.dispositions.end(),
                     [](const DispositionSeen& a, const DispositionSeen& b) {
                       return SourceBefore(a.source, b.source);
                     });
    w.view.persons.emplace(entity, std::move(person));
  }
  w.link_index.clear();  // views into w.links
  w.view.links.reserve(w.links.size());
  for (Link& l : w.links) w.view.links.push_back(std::move(l));
  for (auto& [code, c] : w.view.companies) std::sort(c.premises.begin(), c.premises.end());
  std::sort(w.view.links.begin(), w.view.links.end(), [](const Link& a, const Link& b) {
    return std::tie(a.a, a.b, a.role, a.source.record_id) <
           std::tie(b.a, b.b, b.role, b.source.record_id);
  });
  for (Conflict& c : w.view.conflicts) {
    for (uint64_t v : w.field_set_at[c.subject + "\n" + c.field]) c.resolved |= v > c.base_version;
  }
  std::sort(w.view.conflicts.begin(), w.view.conflicts.end(),
            [](const Conflict& a, const Conflict& b) {
              return std::tie(a.subject, a.field, a.base_version) <
                     std::tie(b.subject, b.field, b.base_version);
            });
}

}  // namespace sweep::hub::cases::internal
