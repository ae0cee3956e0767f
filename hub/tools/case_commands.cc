// sweep-hub dens / suspects / companies / conflicts / dispositions / graph /
// watchlist publish: the case file on the command line (docs/cases.md).
// Listing and showing live in case_show.cc; this file defines the commands,
// finds their subjects and runs the changes.
#include "case_commands.h"

#include <algorithm>
#include <iostream>

#include "audit_commands.h"
#include "case_show.h"
#include "sweep/hub/case_service.h"
#include "sweep/sync/protocol.h"
#include "terminal.h"

namespace sweep::hubcli {

using namespace sweep::hub;

namespace {

constexpr const char* kCaseFooter = R"(Exit codes:
  0 ok                  3 not found (premises, person, company, code)
  2 invalid input       4 database integrity    5 I/O error
  9 conflict / already exists (disposition code)
  10 busy: the watchlist kept changing, run it again
A change (`dens set`, `suspects set`) is stored with the version it was made
on (--base-version, default the current one); two changes on one version are
a conflict that a later change resolves. The case file: docs/cases.md.)";

Status Publish(const Ctx& c, CaseService* svc, const cases::CaseView& view) {
  SWEEP_ASSIGN_OR_RETURN(WatchlistPublishStats s, svc->PublishWatchlist(view));
  if (c.json) {
    std::cout << "{\"watchlist_entries\":" << s.entries << ",\"added\":" << s.added
              << ",\"removed\":" << s.removed << "}\n";
  } else {
    std::cout << c.T("监控名单（由涉案人员生成）：", "derived watchlist: ") << s.entries
              << c.T(" 条；本次新增或更改 ", " entries; added or changed ") << s.added
              << c.T("，撤销 ", ", removed ") << s.removed << "\n";
  }
  return Status::Ok();
}

// Warns when the subject now has an open conflict (the change just stored
// raced with another one on the same version).
void WarnConflicts(const Ctx& c, const cases::CaseView& view, const std::string& subject) {
  for (const cases::Conflict& k : view.conflicts) {
    if (k.subject != subject || k.resolved) continue;
    std::cout << c.T("注意：冲突未解决：", "note: open conflict: ") << k.subject << " " << k.field
              << c.T("（基于版本 ", " (base version ") << k.base_version
              << c.T("），当前采用 ", "), showing ")
              << (k.values.empty() ? "-" : k.values.front().value)
              << c.T("；再次修改即可解决\n", "; a later change resolves it\n");
  }
}

Status CmdDensSet(const Ctx& c, const CaseArgs& a) {
  if (!cases::ParseDenStatus(a.status)) {
    return Status::InvalidArgument("--status '" + a.status +
                                   "' is not a den status: suspected, investigating, raided or "
                                   "cleared");
  }
  CaseService svc(c.service->store(), c.service->env());
  SWEEP_ASSIGN_OR_RETURN(auto options, svc.Options());
  SWEEP_ASSIGN_OR_RETURN(auto view, svc.Load());
  SWEEP_ASSIGN_OR_RETURN(const cases::Premises* p, FindPremises(view, options, a.subject));
  v1::CaseUpdate u;
  *u.mutable_address() = p->address;
  u.set_den_status(a.status);
  u.set_reason(a.why);
  u.set_subject_version(a.base_version);
  std::string key = p->key;
  uint64_t before = p->version;
  const std::string from(cases::DenStatusName(p->status));
  SWEEP_ASSIGN_OR_RETURN(auto after, svc.Edit(a.by, u, a.base_given));
  SWEEP_RETURN_IF_ERROR(
      AuditCliEntry(c, a.by, "den_status", "premises:" + key,
                    AuditDetail({{"from", from}, {"to", a.status}, {"reason", a.why}})));
  const cases::Premises& now = after.premises.at(key);
  if (!c.json) {
    std::cout << c.T("已记录：场所 ", "stored: premises ") << key << c.T(" 状态 ", " status ")
              << (c.english ? cases::DenStatusName(now.status) : cases::DenStatusZh(now.status))
              << c.T("（版本 ", " (version ") << before << " → " << now.version
              << c.T("）\n", ")\n");
  }
  WarnConflicts(c, after, "premises:" + key);
  return Publish(c, &svc, after);
}

Result<v1::Disposition> ParseDisposition(const std::string& arg) {
  v1::Disposition d;
  auto eq = arg.find('=');
  d.set_code(arg.substr(0, eq));
  if (eq != std::string::npos) d.set_detail(arg.substr(eq + 1));
  if (d.code().empty()) {
    return Status::InvalidArgument("--disposition '" + arg +
                                   "': give a code, e.g. --disposition detained=刑拘15日");
  }
  return d;
}

Status CmdSuspectsSet(const Ctx& c, const CaseArgs& a) {
  if (a.involvement.empty() && a.dispositions.empty()) {
    return Status::InvalidArgument(
        "nothing to change: give --involvement X and/or --disposition CODE[=detail]");
  }
  CaseService svc(c.service->store(), c.service->env());
  SWEEP_ASSIGN_OR_RETURN(auto view, svc.Load());
  SWEEP_ASSIGN_OR_RETURN(const cases::PersonCase* p, FindPerson(view, a.subject));
  v1::CaseUpdate u;
  u.set_person_entity(p->entity);
  u.set_involvement(a.involvement);
  for (const std::string& arg : a.dispositions) {
    SWEEP_ASSIGN_OR_RETURN(*u.add_dispositions(), ParseDisposition(arg));
  }
  u.set_reason(a.why);
  u.set_subject_version(a.base_version);
  std::string entity = p->entity;
  uint64_t before = p->version;
  SWEEP_ASSIGN_OR_RETURN(auto after, svc.Edit(a.by, u, a.base_given));
  std::string codes;
  for (const auto& d : a.dispositions) codes += (codes.empty() ? "" : " ") + d;
  SWEEP_RETURN_IF_ERROR(AuditCliEntry(
      c, a.by, "disposition", "person:" + entity,
      AuditDetail({{"code", codes}, {"involvement", a.involvement}, {"reason", a.why}})));
  const cases::PersonCase& now = after.persons.at(entity);
  if (!c.json) {
    std::cout << c.T("已记录：人员 ", "stored: person ") << entity << c.T("（版本 ", " (version ")
              << before << " → " << now.version << c.T("），涉案情况 ", "), involvement ")
              << (now.involvement.empty() ? "-" : now.involvement)
              << c.T("，处置 ", ", dispositions ") << now.dispositions.size() << "\n";
  }
  WarnConflicts(c, after, "person:" + entity);
  return Publish(c, &svc, after);
}

Status CmdDispositionsList(const Ctx& c) {
  CaseService svc(c.service->store(), c.service->env());
  SWEEP_ASSIGN_OR_RETURN(auto options, svc.Options());
  for (const auto& d : options.dispositions) {
    if (c.json) {
      std::cout << "{\"code\":" << JsonString(d.code) << ",\"zh\":" << JsonString(d.zh)
                << ",\"en\":" << JsonString(d.en) << ",\"scope\":" << JsonString(d.scope)
                << ",\"watch\":" << JsonString(d.watch) << "}\n";
    } else {
      std::cout << d.code << "  " << (c.english ? d.en : d.zh) << "  " << d.scope << "  "
                << (d.watch.empty() ? "-" : d.watch) << "\n";
    }
  }
  if (!c.json) std::cout << options.dispositions.size() << c.T(" 个处置代码\n", " codes\n");
  return Status::Ok();
}

Status CmdDispositionsChange(const Ctx& c, const CaseArgs& a, bool add) {
  CaseService svc(c.service->store(), c.service->env());
  SWEEP_ASSIGN_OR_RETURN(auto options, svc.Options());
  auto& codes = options.dispositions;
  auto it = std::find_if(codes.begin(), codes.end(),
                         [&](const cases::DispositionCode& d) { return d.code == a.subject; });
  if (add) {
    if (it != codes.end()) {
      return Status::AlreadyExists("disposition code '" + a.subject +
                                   "' exists: remove it first to change it");
    }
    codes.push_back({a.subject, a.zh, a.en, a.scope, a.watch});
  } else {
    if (it == codes.end()) {
      return Status::NotFound("no disposition code '" + a.subject + "' (see `dispositions list`)");
    }
    codes.erase(it);
  }
  SWEEP_RETURN_IF_ERROR(svc.SetDispositionCodes(codes));
  std::cout << (add ? c.T("已添加处置代码 ", "added disposition code ")
                    : c.T("已删除处置代码 ", "removed disposition code "))
            << a.subject << "\n";
  return Status::Ok();
}

Status CmdWatchlistPublish(const Ctx& c) {
  CaseService svc(c.service->store(), c.service->env());
  SWEEP_ASSIGN_OR_RETURN(auto view, svc.Load());
  return Publish(c, &svc, view);
}

}  // namespace

namespace {

CLI::App* Group(CLI::App* app, const char* name, const char* what) {
  auto* g = app->add_subcommand(name, what);
  g->require_subcommand(1);
  g->footer(kCaseFooter);
  return g;
}

}  // namespace

void CaseCli::Subject(CLI::App* cmd, const char* what) {
  cmd->add_option("SUBJECT", a_.subject, what)->required();
}

void CaseCli::Change(CLI::App* cmd) {
  cmd->add_option("--why", a_.why, "Why, in words (required)")->required();
  cmd->add_option("--by", a_.by, "Who decides (officer id)")->required();
  bases_.push_back(cmd->add_option("--base-version", a_.base_version,
                                   "The version the change is made on (default: current)"));
}

void CaseCli::AddDensSuspects(CLI::App* app) {
  auto* dens = Group(app, "dens", "Premises and their den status (窝点)");
  dens_list_ = dens->add_subcommand("list", "Dens (premises with a den status)");
  dens_list_->add_option("--status", a_.status,
                         "none | suspected | investigating | raided | cleared");
  dens_show_ = dens->add_subcommand("show", "One premises with provenance, history and links");
  Subject(dens_show_, "Premises key or address");
  dens_set_ = dens->add_subcommand("set", "Change a den's status");
  Subject(dens_set_, "Premises key or address");
  dens_set_->add_option("--status", a_.status, "suspected | investigating | raided | cleared")
      ->required();
  Change(dens_set_);
  auto* suspects = Group(app, "suspects", "Suspects (涉案人员) and their dispositions");
  suspects_list_ = suspects->add_subcommand("list", "Suspects");
  suspects_list_->add_option("--disposition", a_.status, "Only those with this disposition code");
  suspects_show_ = suspects->add_subcommand("show", "One person with provenance and links");
  Subject(suspects_show_, "Person entity (P…) or ID number");
  suspects_set_ = suspects->add_subcommand("set", "Change a suspect's involvement or dispositions");
  Subject(suspects_set_, "Person entity (P…) or ID number");
  suspects_set_->add_option("--involvement", a_.involvement, "e.g. den_occupant, organiser");
  suspects_set_->add_option("--disposition", a_.dispositions, "CODE[=detail] (repeat)");
  Change(suspects_set_);
}

void CaseCli::AddOthers(CLI::App* app) {
  auto* companies = Group(app, "companies", "Companies by unified social credit code");
  companies_list_ = companies->add_subcommand("list", "Companies seen by office sweeps");
  companies_show_ = companies->add_subcommand("show", "One company");
  Subject(companies_show_, "Unified social credit code");
  auto* conflicts = Group(app, "conflicts", "Concurrent changes to one den or suspect");
  conflicts_list_ = conflicts->add_subcommand("list", "Conflicts, open ones first");
  auto* disp = Group(app, "dispositions", "Configurable disposition codes (处置)");
  disp_list_ = disp->add_subcommand("list", "The codes");
  disp_add_ = disp->add_subcommand("add", "Add a code");
  Subject(disp_add_, "Code: a-z, 0-9, _");
  disp_add_->add_option("--zh", a_.zh, "Chinese name")->required();
  disp_add_->add_option("--en", a_.en, "English name")->required();
  disp_add_->add_option("--scope", a_.scope, "person (makes a suspect) | premises");
  disp_add_->add_option("--watch", a_.watch, "Watchlist level of the person: alert | notice");
  disp_remove_ = disp->add_subcommand("remove", "Remove a code");
  Subject(disp_remove_, "Code");
  graph_ = app->add_subcommand("graph", "The group (团伙) linked to a den, person or company");
  graph_->footer(kCaseFooter);
  Subject(graph_, "premises:KEY, person:ENTITY, a key, an entity, an ID number, an address");
  graph_->add_option("--depth", a_.depth, "Hops (default 2)")->check(CLI::Range(1, 10));
  graph_->add_option("--format", a_.format, "table | dot | json")
      ->check(CLI::IsMember({"table", "dot", "json"}));
  CLI::App* watch = nullptr;
  try {
    watch = app->get_subcommand("watchlist");
  } catch (const CLI::OptionNotFound&) {
    watch = app->add_subcommand("watchlist", "Watchlist entries sent to tablets as hashes");
  }
  publish_ = watch->add_subcommand("publish", "Derive the watchlist from the suspects now");
}

CaseCli::CaseCli(CLI::App* app) {
  AddDensSuspects(app);
  AddOthers(app);
  for (auto* cmd :
       {dens_list_, dens_show_, suspects_list_, suspects_show_, companies_list_, companies_show_,
        conflicts_list_, disp_list_, publish_, dens_set_, suspects_set_}) {
    cmd->add_flag("--json", json_, "JSON lines");
    cmd->footer(kCaseFooter);
  }
}

bool CaseCli::Run(const Ctx& c, Status* status) {
  a_.base_given = false;
  for (CLI::Option* o : bases_) a_.base_given = a_.base_given || o->count() > 0;
  if (dens_list_->parsed()) {
    *status = CmdDensList(c, a_.status);
  } else if (dens_show_->parsed()) {
    *status = CmdDensShow(c, a_.subject);
  } else if (dens_set_->parsed()) {
    *status = CmdDensSet(c, a_);
  } else if (suspects_list_->parsed()) {
    *status = CmdSuspectsList(c, a_.status);
  } else if (suspects_show_->parsed()) {
    *status = CmdSuspectsShow(c, a_.subject);
  } else if (suspects_set_->parsed()) {
    *status = CmdSuspectsSet(c, a_);
  } else if (companies_list_->parsed()) {
    *status = CmdCompanies(c, "");
  } else if (companies_show_->parsed()) {
    *status = CmdCompanies(c, a_.subject);
  } else if (conflicts_list_->parsed()) {
    *status = CmdConflictsList(c);
  } else if (disp_list_->parsed()) {
    *status = CmdDispositionsList(c);
  } else if (disp_add_->parsed() || disp_remove_->parsed()) {
    *status = CmdDispositionsChange(c, a_, disp_add_->parsed());
  } else if (graph_->parsed()) {
    *status = CmdGraph(c, a_.subject, a_.depth, a_.format);
  } else if (publish_->parsed()) {
    *status = CmdWatchlistPublish(c);
  } else {
    return false;
  }
  return true;
}

}  // namespace sweep::hubcli
