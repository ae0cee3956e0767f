// Questions asked of a built CaseView (docs/cases.md §5, §7, §8): whether a
// supervisor's edit may be stored, the group around a node, and the
// watchlist derived from the suspects.
#include <algorithm>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "casefile_internal.h"
#include "sweep/schema/identifiers.h"
#include "sweep/sync/protocol.h"

namespace sweep::hub::cases {
namespace {

std::string Trim(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

std::string NormalisedId(const std::string& typed) {
  schema::Verdict v = schema::CheckResidentId(typed);
  return v.ok() ? v.normalized : "";
}

const PersonCase* PersonByIdNumber(const CaseView& view, const std::string& typed) {
  const std::string id = NormalisedId(typed);
  if (id.empty()) return nullptr;
  for (const auto& [entity, p] : view.persons) {
    for (const Field& f : p.fields) {
      if (f.name == "id_number" && f.value == id) return &p;
    }
  }
  return nullptr;
}

std::string AllowedFrom(DenStatus from) {
  std::string out;
  for (DenStatus to : {DenStatus::kSuspected, DenStatus::kInvestigating, DenStatus::kRaided,
                       DenStatus::kCleared}) {
    if (AllowedTransition(from, to))
      out += (out.empty() ? "" : ", ") + std::string(DenStatusName(to));
  }
  return out.empty() ? "none" : out;
}

Status CheckCodes(const CaseOptions& options, const v1::CaseUpdate& u, const std::string& scope) {
  for (const v1::Disposition& d : u.dispositions()) {
    auto it = std::find_if(options.dispositions.begin(), options.dispositions.end(),
                           [&](const DispositionCode& c) { return c.code == d.code(); });
    if (it == options.dispositions.end()) {
      std::string known;
      for (const DispositionCode& c : options.dispositions) known += " " + c.code;
      return Status::InvalidArgument("unknown disposition code '" + d.code() +
                                     "'; configured codes:" + known +
                                     "; add it first with `sweep-hub dispositions add` "
                                     "(未配置的处置代码)");
    }
    if (it->scope != scope) {
      return Status::InvalidArgument(
          "disposition '" + d.code() + "' has scope " + it->scope + ", it cannot be given to a " +
          (scope == "person" ? "person" : "premises") + " (处置对象不符)");
    }
  }
  return Status::Ok();
}

Status CheckVersion(const v1::CaseUpdate& u, uint64_t current, const std::string& subject) {
  if (u.subject_version() > current) {
    return Status::InvalidArgument("base version " + std::to_string(u.subject_version()) +
                                   " is ahead of " + subject + "'s version " +
                                   std::to_string(current) + "; give --base-version " +
                                   std::to_string(current) + " or leave it out (版本号超前)");
  }
  return Status::Ok();
}

bool OpenConflictOn(const CaseView& view, const std::string& subject, const std::string& field) {
  for (const Conflict& c : view.conflicts) {
    if (!c.resolved && c.subject == subject && c.field == field) return true;
  }
  return false;
}

Status CheckPremisesEdit(const CaseView& view, const CaseOptions& options,
                         const v1::CaseUpdate& u) {
  v1::Address a = u.address();
  if (a.normalized_key().empty()) {
    const std::string raw = a.raw().empty() ? schema::AddressText(a) : a.raw();
    a = schema::NormalizeAddress(raw, options.address);
  }
  if (a.normalized_key().empty()) {
    return Status::InvalidArgument("address '" + a.raw() + "' could not be resolved: " +
                                   a.unresolved_reason() + " (地址无法解析)");
  }
  auto it = view.premises.find(a.normalized_key());
  if (it == view.premises.end()) {
    return Status::NotFound("no visited premises at '" + a.raw() + "' (key " + a.normalized_key() +
                            "); only premises with a visit can be changed (场所不存在)");
  }
  const Premises& p = it->second;
  if (!u.involvement().empty()) {
    return Status::InvalidArgument(
        "involvement applies to persons, not premises (涉案身份只适用于人员)");
  }
  if (u.den_status().empty() && u.dispositions_size() == 0) {
    return Status::InvalidArgument(
        "nothing to change: give a den status or a disposition (无变更内容)");
  }
  if (!u.den_status().empty()) {
    auto to = ParseDenStatus(u.den_status());
    if (!to || *to == DenStatus::kNone) {
      return Status::InvalidArgument(
          "unknown den status '" + u.den_status() +
          "'; use suspected, investigating, raided or cleared (未知状态)");
    }
    // Setting the current status again confirms it: allowed only to settle
    // an open conflict on it (docs/cases.md §5), else it would change nothing.
    const bool confirms = *to == p.status && OpenConflictOn(view, "premises:" + p.key, "den_status");
    if (!confirms && !AllowedTransition(p.status, *to)) {
      return Status::InvalidArgument("premises " + p.key + " is " +
                                     std::string(DenStatusName(p.status)) +
                                     "; it cannot change to " + u.den_status() +
                                     " (allowed: " + AllowedFrom(p.status) + ") (状态变更不允许)");
    }
  }
  SWEEP_RETURN_IF_ERROR(CheckCodes(options, u, "premises"));
  return CheckVersion(u, p.version, "premises " + p.key);
}

Status CheckPersonEdit(const CaseView& view, const CaseOptions& options, const v1::CaseUpdate& u) {
  const PersonCase* p = nullptr;
  if (!u.person_entity().empty()) {
    auto it = view.persons.find(u.person_entity());
    if (it != view.persons.end()) p = &it->second;
  } else {
    p = PersonByIdNumber(view, u.person_id_number());
  }
  if (p == nullptr) {
    const std::string name = u.person_entity().empty() ? "ID number " + u.person_id_number()
                                                       : "entity " + u.person_entity();
    return Status::NotFound("no recorded person with " + name +
                            "; check it with `sweep-hub persons show` (人员不存在)");
  }
  if (!u.den_status().empty()) {
    return Status::InvalidArgument(
        "den status applies to premises, not persons (窝点状态只适用于场所)");
  }
  if (u.involvement().empty() && u.dispositions_size() == 0) {
    return Status::InvalidArgument(
        "nothing to change: give an involvement or a disposition (无变更内容)");
  }
  SWEEP_RETURN_IF_ERROR(CheckCodes(options, u, "person"));
  return CheckVersion(u, p->version, "person " + p->entity);
}

}  // namespace

Status CheckEdit(const CaseView& view, const CaseOptions& options, const v1::CaseUpdate& update) {
  if (Trim(update.reason()).empty()) {
    return Status::InvalidArgument("the reason is empty: say why the change is made (须填写理由)");
  }
  const bool person = !update.person_entity().empty() || !update.person_id_number().empty();
  const bool premises = update.has_address() && (!update.address().raw().empty() ||
                                                 !update.address().normalized_key().empty() ||
                                                 !schema::AddressText(update.address()).empty());
  if (person == premises) {
    return Status::InvalidArgument(
        std::string("name either the premises (address) or the person (entity or ID number), ") +
        (person ? "not both" : "none is given") + " (须指明场所或人员之一)");
  }
  return person ? CheckPersonEdit(view, options, update) : CheckPremisesEdit(view, options, update);
}

// ---------------------------------------------------------------- graph

namespace {

bool HasPrefix(const std::string& s) {
  for (const char* p : {"premises:", "person:", "company:", "phone:", "card:"}) {
    if (s.rfind(p, 0) == 0) return true;
  }
  return false;
}

std::string ResolveNode(const CaseView& view, const std::string& node,
                        const std::unordered_map<std::string, std::vector<size_t>>& adj,
                        const schema::AddressContext& context) {
  if (HasPrefix(node)) return node;
  if (view.premises.count(node)) return "premises:" + node;
  if (view.persons.count(node)) return "person:" + node;
  schema::Verdict code = schema::CheckCreditCode(node);
  if (code.ok() && view.companies.count(code.normalized)) return "company:" + code.normalized;
  if (const PersonCase* p = PersonByIdNumber(view, node)) return "person:" + p->entity;
  schema::Verdict phone = schema::CheckPhone(node);
  if (phone.ok() && adj.count("phone:" + phone.normalized)) return "phone:" + phone.normalized;
  schema::Verdict card = schema::CheckBankCard(node);
  if (card.ok() && adj.count("card:" + card.normalized)) return "card:" + card.normalized;
  v1::Address a = schema::NormalizeAddress(node, context);
  if (!a.normalized_key().empty() && view.premises.count(a.normalized_key())) {
    return "premises:" + a.normalized_key();
  }
  return "";
}

}  // namespace

Result<Graph> GraphAround(const CaseView& view, const std::string& node, int depth) {
  return GraphAround(view, node, depth, schema::AddressContext{});
}

Result<Graph> GraphAround(const CaseView& view, const std::string& node, int depth,
                          const schema::AddressContext& context) {
  if (depth < 0) {
    return Status::InvalidArgument("depth must be 0 or more, not " + std::to_string(depth));
  }
  std::unordered_map<std::string, std::vector<size_t>> adj;
  for (size_t i = 0; i < view.links.size(); ++i) {
    adj[view.links[i].a].push_back(i);
    adj[view.links[i].b].push_back(i);
  }
  const std::string start = ResolveNode(view, node, adj, context);
  const bool known = !start.empty() &&
                     (adj.count(start) ||
                      (start.rfind("premises:", 0) == 0 && view.premises.count(start.substr(9))) ||
                      (start.rfind("person:", 0) == 0 && view.persons.count(start.substr(7))));
  if (!known) {
    return Status::NotFound("nothing named '" + node +
                            "' in the case file; give a premises key or address, a person entity "
                            "or 18-digit ID number, a credit code, a phone or a card number "
                            "(未找到该节点)");
  }
  std::unordered_map<std::string, int> dist{{start, 0}};
  std::deque<std::string> queue{start};
  std::vector<size_t> reached;
  while (!queue.empty()) {
    const std::string u = std::move(queue.front());
    queue.pop_front();
    const int d = dist[u];
    if (d >= depth) continue;
    for (size_t li : adj[u]) {
      reached.push_back(li);
      const Link& l = view.links[li];
      const std::string& other = l.a == u ? l.b : l.a;
      if (dist.emplace(other, d + 1).second) queue.push_back(other);
    }
  }
  std::sort(reached.begin(), reached.end());
  reached.erase(std::unique(reached.begin(), reached.end()), reached.end());
  Graph g;
  for (const auto& [n, d] : dist) g.nodes.push_back(n);
  std::sort(g.nodes.begin(), g.nodes.end());
  for (size_t li : reached) g.links.push_back(view.links[li]);
  return g;
}

// ---------------------------------------------------------------- watchlist

namespace {

std::string InvolvementZh(const std::string& involvement) {
  if (involvement == "den_occupant") return "窝点人员";
  if (involvement == "organiser" || involvement == "organizer") return "组织者";
  return involvement;
}

int Strength(const std::string& level) { return level == "alert" ? 2 : level == "notice" ? 1 : 0; }

}  // namespace

std::vector<WatchItem> WatchlistOf(const CaseView& view, const CaseOptions& options) {
  std::map<std::string, const DispositionCode*> codes;
  for (const DispositionCode& c : options.dispositions) codes[c.code] = &c;
  std::map<std::pair<std::string, std::string>, WatchItem> items;
  for (const auto& [entity, p] : view.persons) {
    if (!p.suspect()) continue;
    std::string level;
    std::vector<std::string> labels;
    for (const DispositionSeen& d : p.dispositions) {
      auto it = codes.find(d.code);
      if (it == codes.end() || it->second->watch.empty()) continue;
      if (Strength(it->second->watch) > Strength(level)) level = it->second->watch;
      if (std::find(labels.begin(), labels.end(), it->second->zh) == labels.end()) {
        labels.push_back(it->second->zh);
      }
    }
    if (level.empty()) {
      if (p.involvement.empty()) continue;
      level = "notice";
      labels.push_back(InvolvementZh(p.involvement));
    }
    std::string note = "涉案人员：";
    for (size_t i = 0; i < labels.size(); ++i) note += (i ? "、" : "") + labels[i];
    std::vector<std::pair<std::string, std::string>> values;
    for (const Field& f : p.fields) {
      if (f.name == "id_number") values.emplace_back("id", f.value);
      if (f.name == "phone") values.emplace_back("phone", f.value);
    }
    const std::string node = "person:" + entity;
    auto lo = std::lower_bound(view.links.begin(), view.links.end(), node,
                               [](const Link& l, const std::string& n) { return l.a < n; });
    for (auto it = lo; it != view.links.end() && it->a == node; ++it) {
      if (it->role == "phone") values.emplace_back("phone", it->b.substr(6));
      if (it->role == "card") values.emplace_back("card", it->b.substr(5));
    }
    for (const auto& [kind, raw] : values) {
      auto normal = sync::NormalizeWatchValue(kind, raw);
      if (!normal.ok()) continue;
      WatchItem item{kind, *normal, level, note, entity};
      auto [it, fresh] = items.emplace(std::make_pair(kind, *normal), item);
      if (!fresh && Strength(level) > Strength(it->second.level)) it->second = std::move(item);
    }
  }
  std::vector<WatchItem> out;
  for (auto& [key, item] : items) out.push_back(std::move(item));
  return out;
}

}  // namespace sweep::hub::cases
