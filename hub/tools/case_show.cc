// sweep-hub dens list|show, suspects list|show, companies, conflicts list,
// graph: the case file read from the hub's storage and printed with the
// provenance of every value (record, officer, time).
#include "case_show.h"

#include <algorithm>
#include <ctime>
#include <iostream>
#include <optional>
#include <set>

#include "audit_commands.h"
#include "sweep/hub/case_service.h"
#include "sweep/sync/protocol.h"
#include "terminal.h"

namespace sweep::hubcli {

using namespace sweep::hub;

namespace {


Result<cases::CaseView> LoadView(const Ctx& c, cases::CaseOptions* options = nullptr) {
  CaseService svc(c.service->store(), c.service->env());
  if (options) {
    SWEEP_ASSIGN_OR_RETURN(*options, svc.Options());
  }
  SWEEP_ASSIGN_OR_RETURN(uint64_t total, c.service->store()->CountVersions(""));
  Progress progress(c.T("读取案件", "case file"));
  auto view = svc.Load([&](uint64_t done) { progress.Update(done, total); });
  progress.Done();
  return view;
}

std::string StatusWord(const Ctx& c, cases::DenStatus s) {
  return std::string(c.english ? cases::DenStatusName(s) : cases::DenStatusZh(s));
}

std::string SourceText(const Ctx& c, const cases::Source& s) {
  if (s.record_id.empty() && s.officer_id.empty()) return "-";
  std::string out = c.T("记录 ", "record ") + s.record_id + " v" + std::to_string(s.version);
  if (!s.path.empty()) out += " " + s.path;
  out += c.T("，民警 ", ", officer ") + s.officer_id;
  if (s.device_id == "hub") out += c.T("（站内修改）", " (edit at the hub)");
  return out + c.T("，", ", ") + LocalTime(s.at_ms);
}

std::string SourceJson(const cases::Source& s) {
  return "{\"record\":" + JsonString(s.record_id) + ",\"version\":" + std::to_string(s.version) +
         ",\"officer\":" + JsonString(s.officer_id) + ",\"device\":" + JsonString(s.device_id) +
         ",\"at_ms\":" + std::to_string(s.at_ms) + ",\"path\":" + JsonString(s.path) + "}";
}

std::string FieldsJson(const std::vector<cases::Field>& fields) {
  std::string out = "[";
  for (const cases::Field& f : fields) {
    if (out.size() > 1) out += ",";
    out += "{\"name\":" + JsonString(f.name) + ",\"value\":" + JsonString(f.value) +
           ",\"source\":" + SourceJson(f.source) + "}";
  }
  return out + "]";
}

void PrintFields(const Ctx& c, const std::vector<cases::Field>& fields) {
  for (const cases::Field& f : fields) {
    std::cout << "  " << f.name << " = " << f.value << "    [" << SourceText(c, f.source) << "]\n";
  }
}

std::string FieldOf(const std::vector<cases::Field>& fields, const std::string& name) {
  for (const cases::Field& f : fields) {
    if (f.name == name) return f.value;
  }
  return "";
}

std::string NodeLabel(const cases::CaseView& view, const std::string& node) {
  if (node.rfind("person:", 0) == 0) {
    auto it = view.persons.find(node.substr(7));
    if (it != view.persons.end()) return FieldOf(it->second.fields, "name");
  }
  if (node.rfind("premises:", 0) == 0) {
    auto it = view.premises.find(node.substr(9));
    if (it != view.premises.end()) return it->second.address.raw();
  }
  if (node.rfind("company:", 0) == 0) {
    auto it = view.companies.find(node.substr(8));
    if (it != view.companies.end()) return FieldOf(it->second.fields, "name");
  }
  return "";
}

// The links at `node`, each with the node at the other end.
void PrintLinks(const Ctx& c, const cases::CaseView& view, const std::string& node) {
  std::cout << c.T("关联：\n", "links:\n");
  for (const cases::Link& l : view.links) {
    if (l.a != node && l.b != node) continue;
    const std::string& other = l.a == node ? l.b : l.a;
    std::cout << "  " << l.role << "  " << other << "  " << NodeLabel(view, other) << "    ["
              << SourceText(c, l.source) << "]\n";
  }
}

std::string LinksJson(const cases::CaseView& view, const std::string& node) {
  std::string out = "[";
  for (const cases::Link& l : view.links) {
    if (l.a != node && l.b != node) continue;
    if (out.size() > 1) out += ",";
    out += "{\"role\":" + JsonString(l.role) + ",\"node\":" + JsonString(l.a == node ? l.b : l.a) +
           ",\"source\":" + SourceJson(l.source) + "}";
  }
  return out + "]";
}

std::string ConflictJson(const cases::Conflict& k) {
  std::string out = "{\"subject\":" + JsonString(k.subject) + ",\"field\":" + JsonString(k.field) +
                    ",\"base_version\":" + std::to_string(k.base_version) +
                    ",\"resolved\":" + (k.resolved ? "true" : "false") +
                    ",\"winner\":" + JsonString(k.values.empty() ? "" : k.values.front().value) +
                    ",\"values\":[";
  for (size_t i = 0; i < k.values.size(); ++i) {
    if (i > 0) out += ",";
    out += "{\"value\":" + JsonString(k.values[i].value) +
           ",\"source\":" + SourceJson(k.values[i].source) + "}";
  }
  return out + "]}";
}

void PrintConflict(const Ctx& c, const cases::Conflict& k) {
  std::cout << (k.resolved ? c.T("[已解决] ", "[resolved] ") : c.T("[未解决] ", "[open] "))
            << k.subject << "  " << k.field << c.T("  基于版本 ", "  base version ")
            << k.base_version << "\n";
  for (size_t i = 0; i < k.values.size(); ++i) {
    std::cout << "    " << (i == 0 ? c.T("采用 ", "winner ") : c.T("其他 ", "other  "))
              << k.values[i].value << "    [" << SourceText(c, k.values[i].source) << "]\n";
  }
}

void PrintConflictsOf(const Ctx& c, const cases::CaseView& view, const std::string& subject) {
  for (const cases::Conflict& k : view.conflicts) {
    if (k.subject == subject) PrintConflict(c, k);
  }
}

std::string ConflictsJsonOf(const cases::CaseView& view, const std::string& subject) {
  std::string out = "[";
  for (const cases::Conflict& k : view.conflicts) {
    if (k.subject != subject) continue;
    if (out.size() > 1) out += ",";
    out += ConflictJson(k);
  }
  return out + "]";
}

std::vector<std::string> IndicatorCodes(const cases::Premises& p) {
  std::set<std::string> codes;
  for (const cases::IndicatorSeen& i : p.indicators) codes.insert(i.code);
  return {codes.begin(), codes.end()};
}

std::string StringsJson(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& s : items) out += (out.size() > 1 ? "," : "") + JsonString(s);
  return out + "]";
}

}  // namespace

Result<const cases::Premises*> FindPremises(const cases::CaseView& view,
                                            const cases::CaseOptions& options,
                                            const std::string& key_or_address) {
  auto it = view.premises.find(key_or_address);
  if (it != view.premises.end()) return &it->second;
  v1::Address a = schema::NormalizeAddress(key_or_address, options.address);
  it = view.premises.find(a.normalized_key());
  if (!a.normalized_key().empty() && it != view.premises.end()) return &it->second;
  std::string why = a.normalized_key().empty()
                        ? " (the address does not resolve: " + a.unresolved_reason() + ")"
                        : " (key " + a.normalized_key() + ")";
  return Status::NotFound("no visited premises '" + key_or_address + "'" + why +
                          ": list them with `dens list --status none` (未找到该场所)");
}

Result<const cases::PersonCase*> FindPerson(const cases::CaseView& view,
                                            const std::string& entity_or_id) {
  auto it = view.persons.find(entity_or_id);
  if (it != view.persons.end()) return &it->second;
  auto id = sync::NormalizeWatchValue("id", entity_or_id);
  if (id.ok()) {
    for (const auto& [entity, p] : view.persons) {
      if (FieldOf(p.fields, "id_number") == *id) return &p;
    }
  }
  return Status::NotFound("no person '" + entity_or_id +
                          "': give a person id (P…, see `suspects list` or `persons show`) or "
                          "an 18-digit ID number (未找到该人员)");
}

Status CmdDensList(const Ctx& c, const std::string& status) {
  std::optional<cases::DenStatus> only;
  if (!status.empty()) {
    only = cases::ParseDenStatus(status);
    if (!only) {
      return Status::InvalidArgument("--status '" + status +
                                     "': none, suspected, investigating, raided or cleared");
    }
  }
  SWEEP_ASSIGN_OR_RETURN(auto view, LoadView(c));
  SWEEP_RETURN_IF_ERROR(
      AuditCliEntry(c, "", "read", "list:dens", hub::AuditDetail({{"status", status}})));
  size_t n = 0;
  for (const auto& [key, p] : view.premises) {
    if (only ? p.status != *only : p.status == cases::DenStatus::kNone) continue;
    ++n;
    if (c.json) {
      std::cout << "{\"key\":" << JsonString(key)
                << ",\"status\":" << JsonString(std::string(cases::DenStatusName(p.status)))
                << ",\"kind\":" << JsonString(p.kind)
                << ",\"address\":" << JsonString(p.address.raw()) << ",\"version\":" << p.version
                << ",\"visits\":" << p.visits.size() << ",\"last_visit_ms\":" << p.last_visit_ms
                << ",\"suspected_ms\":" << p.suspected_ms
                << ",\"indicators\":" << StringsJson(IndicatorCodes(p)) << "}\n";
      continue;
    }
    std::cout << StatusWord(c, p.status) << "  " << key << "  " << p.address.raw()
              << c.T("  版本 ", "  version ") << p.version << c.T("  走访 ", "  visits ")
              << p.visits.size() << c.T("  最近 ", "  last ") << LocalTime(p.last_visit_ms);
    for (const std::string& code : IndicatorCodes(p)) std::cout << "  " << code;
    std::cout << "\n";
  }
  if (!c.json) std::cout << n << c.T(" 处场所\n", " premises\n");
  return Status::Ok();
}

Status CmdDensShow(const Ctx& c, const std::string& subject) {
  cases::CaseOptions options;
  SWEEP_ASSIGN_OR_RETURN(auto view, LoadView(c, &options));
  SWEEP_ASSIGN_OR_RETURN(const cases::Premises* p, FindPremises(view, options, subject));
  std::string node = "premises:" + p->key;
  SWEEP_RETURN_IF_ERROR(AuditCliEntry(c, "", "read", node, AuditDetail({{"asked", subject}})));
  if (c.json) {
    std::string history = "[";
    for (const cases::StatusChange& h : p->history) {
      if (history.size() > 1) history += ",";
      history += "{\"from\":" + JsonString(std::string(cases::DenStatusName(h.from))) +
                 ",\"to\":" + JsonString(std::string(cases::DenStatusName(h.to))) +
                 ",\"by\":" + JsonString(h.by) + ",\"at_ms\":" + std::to_string(h.at_ms) +
                 ",\"why\":" + JsonString(h.why) +
                 ",\"automatic\":" + (h.automatic ? "true" : "false") +
                 ",\"source\":" + SourceJson(h.source) + "}";
    }
    std::string indicators = "[";
    for (const cases::IndicatorSeen& i : p->indicators) {
      if (indicators.size() > 1) indicators += ",";
      indicators += "{\"code\":" + JsonString(i.code) + ",\"count\":" + std::to_string(i.count) +
                    ",\"detail\":" + JsonString(i.detail) + ",\"source\":" + SourceJson(i.source) +
                    "}";
    }
    std::cout << "{\"key\":" << JsonString(p->key)
              << ",\"status\":" << JsonString(std::string(cases::DenStatusName(p->status)))
              << ",\"version\":" << p->version << ",\"address\":" << JsonString(p->address.raw())
              << ",\"fields\":" << FieldsJson(p->fields) << ",\"history\":" << history
              << "],\"indicators\":" << indicators << "],\"links\":" << LinksJson(view, node)
              << ",\"conflicts\":" << ConflictsJsonOf(view, node) << "}\n";
    return Status::Ok();
  }
  std::cout << c.T("场所 ", "premises ") << p->key << "  " << p->address.raw() << "\n"
            << c.T("状态：", "status: ") << StatusWord(c, p->status) << c.T("（版本 ", " (version ")
            << p->version << c.T("）\n", ")\n") << c.T("字段：\n", "fields:\n");
  PrintFields(c, p->fields);
  std::cout << c.T("状态变化：\n", "history:\n");
  for (const cases::StatusChange& h : p->history) {
    std::cout << "  " << LocalTime(h.at_ms) << "  " << StatusWord(c, h.from) << " → "
              << StatusWord(c, h.to) << "  " << (h.automatic ? c.T("自动", "automatic") : h.by)
              << "  " << h.why << "    [" << SourceText(c, h.source) << "]\n";
  }
  std::cout << c.T("发现的迹象：\n", "indicators:\n");
  for (const cases::IndicatorSeen& i : p->indicators) {
    std::cout << "  " << i.code << " ×" << i.count << "  " << i.detail << "    ["
              << SourceText(c, i.source) << "]\n";
  }
  PrintLinks(c, view, node);
  PrintConflictsOf(c, view, node);
  return Status::Ok();
}

Status CmdSuspectsList(const Ctx& c, const std::string& disposition) {
  SWEEP_ASSIGN_OR_RETURN(auto view, LoadView(c));
  SWEEP_RETURN_IF_ERROR(
      AuditCliEntry(c, "", "read", "list:suspects", AuditDetail({{"disposition", disposition}})));
  size_t n = 0;
  for (const auto& [entity, p] : view.persons) {
    if (!p.suspect()) continue;
    std::vector<std::string> codes;
    for (const cases::DispositionSeen& d : p.dispositions) codes.push_back(d.code);
    if (!disposition.empty() && std::find(codes.begin(), codes.end(), disposition) == codes.end()) {
      continue;
    }
    ++n;
    std::string name = FieldOf(p.fields, "name"), id = FieldOf(p.fields, "id_number");
    if (c.json) {
      std::cout << "{\"entity\":" << JsonString(entity) << ",\"name\":" << JsonString(name)
                << ",\"id_number\":" << JsonString(id)
                << ",\"involvement\":" << JsonString(p.involvement)
                << ",\"dispositions\":" << StringsJson(codes) << ",\"version\":" << p.version
                << "}\n";
      continue;
    }
    std::cout << entity << "  " << name << "  " << (id.empty() ? "-" : id) << "  "
              << (p.involvement.empty() ? "-" : p.involvement);
    for (const std::string& code : codes) std::cout << "  " << code;
    std::cout << c.T("  版本 ", "  version ") << p.version << "\n";
  }
  if (!c.json) std::cout << n << c.T(" 名涉案人员\n", " suspects\n");
  return Status::Ok();
}

Status CmdSuspectsShow(const Ctx& c, const std::string& subject) {
  SWEEP_ASSIGN_OR_RETURN(auto view, LoadView(c));
  SWEEP_ASSIGN_OR_RETURN(const cases::PersonCase* p, FindPerson(view, subject));
  std::string node = "person:" + p->entity;
  SWEEP_RETURN_IF_ERROR(AuditCliEntry(c, "", "read", node, AuditDetail({{"asked", subject}})));
  if (c.json) {
    std::string disp = "[";
    for (const cases::DispositionSeen& d : p->dispositions) {
      if (disp.size() > 1) disp += ",";
      disp += "{\"code\":" + JsonString(d.code) + ",\"detail\":" + JsonString(d.detail) +
              ",\"source\":" + SourceJson(d.source) + "}";
    }
    std::cout << "{\"entity\":" << JsonString(p->entity)
              << ",\"suspect\":" << (p->suspect() ? "true" : "false")
              << ",\"version\":" << p->version << ",\"fields\":" << FieldsJson(p->fields)
              << ",\"mentions\":" << StringsJson(p->mentions)
              << ",\"involvement\":" << JsonString(p->involvement)
              << ",\"involvement_source\":" << SourceJson(p->involvement_source)
              << ",\"dispositions\":" << disp << "],\"links\":" << LinksJson(view, node)
              << ",\"conflicts\":" << ConflictsJsonOf(view, node) << "}\n";
    return Status::Ok();
  }
  std::cout << c.T("人员 ", "person ") << p->entity << "  " << FieldOf(p->fields, "name")
            << c.T("（版本 ", " (version ") << p->version << c.T("）\n", ")\n")
            << c.T("字段：\n", "fields:\n");
  PrintFields(c, p->fields);
  std::cout << c.T("涉案情况：", "involvement: ") << (p->involvement.empty() ? "-" : p->involvement)
            << "    [" << SourceText(c, p->involvement_source) << "]\n"
            << c.T("处置：\n", "dispositions:\n");
  for (const cases::DispositionSeen& d : p->dispositions) {
    std::cout << "  " << d.code << "  " << d.detail << "    [" << SourceText(c, d.source) << "]\n";
  }
  PrintLinks(c, view, node);
  PrintConflictsOf(c, view, node);
  return Status::Ok();
}

Status CmdCompanies(const Ctx& c, const std::string& code) {
  SWEEP_ASSIGN_OR_RETURN(auto view, LoadView(c));
  if (!code.empty() && !view.companies.count(code)) {
    return Status::NotFound("no company with credit code '" + code +
                            "' in the office sweeps: see `companies list`");
  }
  for (const auto& [credit, co] : view.companies) {
    if (!code.empty() && credit != code) continue;
    if (c.json) {
      std::cout << "{\"credit_code\":" << JsonString(credit)
                << ",\"fields\":" << FieldsJson(co.fields)
                << ",\"premises\":" << StringsJson(co.premises) << "}\n";
    } else if (code.empty()) {
      std::cout << credit << "  " << FieldOf(co.fields, "name") << c.T("  场所 ", "  premises ")
                << co.premises.size() << "\n";
    } else {
      std::cout << c.T("单位 ", "company ") << credit << "\n" << c.T("字段：\n", "fields:\n");
      PrintFields(c, co.fields);
      for (const std::string& k : co.premises) {
        std::cout << c.T("  场所 ", "  premises ") << k << "  " << NodeLabel(view, "premises:" + k)
                  << "\n";
      }
    }
  }
  if (code.empty() && !c.json) {
    std::cout << view.companies.size() << c.T(" 家单位\n", " companies\n");
  }
  return Status::Ok();
}

Status CmdConflictsList(const Ctx& c) {
  SWEEP_ASSIGN_OR_RETURN(auto view, LoadView(c));
  size_t open = 0;
  for (bool resolved : {false, true}) {
    for (const cases::Conflict& k : view.conflicts) {
      if (k.resolved != resolved) continue;
      open += resolved ? 0 : 1;
      if (c.json) {
        std::cout << ConflictJson(k) << "\n";
      } else {
        PrintConflict(c, k);
      }
    }
  }
  if (!c.json) {
    std::cout << view.conflicts.size() << c.T(" 个冲突，未解决 ", " conflicts, open ") << open
              << c.T("。解决：用 `dens set` 或 `suspects set` 作出新的修改。\n",
                     ". To resolve one, make a later change with `dens set` or `suspects set`.\n");
  }
  return Status::Ok();
}

Status CmdGraph(const Ctx& c, const std::string& node, int depth, const std::string& format) {
  SWEEP_ASSIGN_OR_RETURN(auto view, LoadView(c));
  SWEEP_ASSIGN_OR_RETURN(cases::Graph g, cases::GraphAround(view, node, depth));
  if (format == "json") {
    std::cout << "{\"nodes\":[";
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      std::cout << (i ? "," : "") << "{\"id\":" << JsonString(g.nodes[i])
                << ",\"label\":" << JsonString(NodeLabel(view, g.nodes[i])) << "}";
    }
    std::cout << "],\"links\":[";
    for (size_t i = 0; i < g.links.size(); ++i) {
      const cases::Link& l = g.links[i];
      std::cout << (i ? "," : "") << "{\"a\":" << JsonString(l.a) << ",\"b\":" << JsonString(l.b)
                << ",\"role\":" << JsonString(l.role) << ",\"source\":" << SourceJson(l.source)
                << "}";
    }
    std::cout << "]}\n";
  } else if (format == "dot") {
    std::cout << "graph case {\n";
    for (const std::string& n : g.nodes) {
      std::cout << "  " << JsonString(n) << " [label=" << JsonString(n + " " + NodeLabel(view, n))
                << "];\n";
    }
    for (const cases::Link& l : g.links) {
      std::cout << "  " << JsonString(l.a) << " -- " << JsonString(l.b)
                << " [label=" << JsonString(l.role) << "];\n";
    }
    std::cout << "}\n";
  } else {
    for (const std::string& n : g.nodes) std::cout << n << "  " << NodeLabel(view, n) << "\n";
    for (const cases::Link& l : g.links) {
      std::cout << "  " << l.a << " —" << l.role << "— " << l.b << "\n";
    }
    std::cout << g.nodes.size() << c.T(" 个节点，", " nodes, ") << g.links.size()
              << c.T(" 条关联\n", " links\n");
  }
  return Status::Ok();
}

}  // namespace sweep::hubcli
