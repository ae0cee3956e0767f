// sweep-hub audit verify | show: the hub's audit log on the command line
// (docs/hub-storage.md "Audit log").
#include "audit_commands.h"

#include <cstdlib>
#include <iostream>
#include <map>

#include "sweep/hub/report.h"
#include "terminal.h"

namespace sweep::hubcli {

using namespace sweep::hub;

namespace {

constexpr const char* kAuditFooter = R"(Exit codes:
  0 ok: the chain is whole (verify), or the entries were listed (show)
  2 invalid input (--since, --anchor)
  4 the audit log was altered, removed from or reordered: the first bad
    entry is named; keep the file as evidence and tell the security officer
  5 I/O error (database)
`audit verify` prints the head (SEQ:HASH): note it, e.g. with the day's
report; `audit verify --anchor SEQ:HASH` later also detects a cut-off tail.
What is logged and the hash's byte layout: docs/hub-storage.md "Audit log".)";

std::string& As() {
  static std::string as;
  return as;
}

const char* ActionZh(const std::string& action) {
  static const std::map<std::string, const char*> kZh = {{"read", "查看"},
                                                         {"merge", "合并"},
                                                         {"not_same", "判定非同一人"},
                                                         {"split", "拆分"},
                                                         {"disposition", "处置"},
                                                         {"den_status", "窝点状态"},
                                                         {"revoke", "吊销设备"},
                                                         {"enroll", "登记设备"},
                                                         {"role_change", "账号变更"},
                                                         {"sign_in", "登录"},
                                                         {"sign_in_failed", "登录失败"},
                                                         {"export", "导出"},
                                                         {"retention_set", "保留期设置"},
                                                         {"retention_purge", "保留期清除"}};
  auto it = kZh.find(action);
  return it == kZh.end() ? nullptr : it->second;
}

Status CmdVerify(const Ctx& c, const std::string& anchor_text) {
  std::optional<AuditAnchor> anchor;
  if (!anchor_text.empty()) {
    SWEEP_ASSIGN_OR_RETURN(anchor, ParseAuditAnchor(anchor_text));
  }
  SWEEP_ASSIGN_OR_RETURN(VerifyReport r,
                         AuditLog(c.service->store(), c.service->env()).Verify(anchor));
  const std::string head = std::to_string(r.head_seq) + ":" + r.head_hash;
  if (c.json) {
    std::cout << "{\"ok\":" << (r.ok() ? "true" : "false") << ",\"count\":" << r.count
              << ",\"head\":" << JsonString(r.head_hash.empty() ? "" : head);
    if (!r.ok()) {
      std::cout << ",\"problem\":" << JsonString(r.problem->kind)
                << ",\"chain\":" << JsonString(r.problem->chain) << ",\"seq\":" << r.problem->seq;
    }
    std::cout << "}\n";
  } else if (r.ok()) {
    std::cout << c.T("审计日志完好：", "audit log OK: ") << r.count
              << c.T(" 条记录\n链头：", " entries\nhead: ") << (r.head_hash.empty() ? "-" : head)
              << c.T("\n请记下链头（例如写在当日报告上）：日后用 audit verify --anchor "
                     "核对，即可发现尾部被截断。\n",
                     "\nnote the head (e.g. on the day's report): `audit verify --anchor` "
                     "checks it later and detects a cut-off tail.\n");
  } else {
    std::cout << c.T("审计日志已被篡改：", "audit log tampered with: ")
              << (r.problem->chain == kHubChain ? "" : r.problem->chain + " ") << c.T("第 ", "seq ")
              << r.problem->seq << c.T(" 条（", " (") << r.problem->kind << c.T("）；之前 ", "); ")
              << r.count << c.T(" 条完好\n", " entries before it verify\n");
  }
  if (r.ok()) return Status::Ok();
  return Status::Corruption(r.problem->message);
}

void PrintEntry(const Ctx& c, const v1::AuditEntry& e) {
  if (c.json) {
    std::cout << "{\"chain\":" << JsonString(e.chain()) << ",\"seq\":" << e.seq()
              << ",\"at_ms\":" << e.at_ms() << ",\"actor\":" << JsonString(e.actor())
              << ",\"actor_role\":" << JsonString(e.actor_role())
              << ",\"device\":" << JsonString(e.device())
              << ",\"action\":" << JsonString(e.action())
              << ",\"entity\":" << JsonString(e.entity()) << ",\"detail\":" << e.detail()
              << ",\"hash\":" << JsonString(crypto::ToHex(Bytes(e.hash().begin(), e.hash().end())))
              << "}\n";
    return;
  }
  const char* zh = ActionZh(e.action());
  std::cout << e.seq() << "  " << LocalTime(e.at_ms()) << "  " << e.actor() << " ("
            << (e.actor_role().empty() ? "-" : e.actor_role()) << ")  " << e.device() << "  "
            << (c.english || !zh ? e.action() : zh) << "  " << e.entity() << "  "
            << (e.detail() == "{}" ? "" : e.detail()) << "\n";
}

Status CmdShow(const Ctx& c, const AuditQuery& q, const std::string& since) {
  AuditQuery query = q;
  if (!since.empty()) {
    auto start = DayStartOf(c.service->store(), since);
    if (!start.ok()) {
      return Status::InvalidArgument("--since '" + since + "': give YYYY-MM-DD (China time)");
    }
    query.since_ms = *start;
  }
  SWEEP_ASSIGN_OR_RETURN(auto entries, AuditLog(c.service->store(), c.service->env()).Find(query));
  if (!c.json) {
    std::cout << c.T("序号  时间  操作人（角色）  设备  操作  对象  详情\n",
                     "seq  time  actor (role)  device  action  entity  detail\n");
  }
  for (const v1::AuditEntry& e : entries) PrintEntry(c, e);
  if (!c.json) std::cout << entries.size() << c.T(" 条记录\n", " entries\n");
  return Status::Ok();
}

}  // namespace

hub::AuditActor CliActor(const Ctx& c, const std::string& by) {
  std::string id = by;
  if (id.empty()) id = As();
  if (id.empty()) {
    const char* user = std::getenv("USER");
    id = user && *user ? user : "unknown";
  }
  auto account = c.service->store()->GetUser(id);
  return {id, account.ok() ? account->role : "operator", "cli"};
}

Status AuditCliEntry(const Ctx& c, const std::string& by, std::string_view action,
                     const std::string& entity, const std::string& detail) {
  return AuditLog(c.service->store(), c.service->env())
      .Append(CliActor(c, by), action, entity, detail)
      .WithContext("audit log");
}

AuditCli::AuditCli(CLI::App* app) {
  app->add_option("--as", As(),
                  "Who runs this command, for the audit log (default: $USER; `--by` wins)");
  auto* audit = app->add_subcommand("audit", "The audit log: who read or changed what, when");
  audit->require_subcommand(1);
  audit->footer(kAuditFooter);
  verify_ = audit->add_subcommand(
      "verify", "Walk the hash chain: OK with the count and the head, or the first bad entry");
  verify_->add_option("--anchor", anchor_,
                      "SEQ:HASH noted earlier (a head printed by verify): also detects a "
                      "cut-off tail");
  show_ = audit->add_subcommand("show", "Who looked at or changed an entity, when, from where");
  show_->add_option("--entity", entity_,
                    "person:P12, premises:KEY, device:ID, user:ID, or a bare id (any kind)");
  show_->add_option("--actor", actor_, "Only this user or officer id");
  show_->add_option("--since", since_, "YYYY-MM-DD: from this local day (China time) on");
  show_->add_option("--limit", limit_, "At most this many entries (default 10000)");
  for (auto* cmd : {verify_, show_}) {
    cmd->add_flag("--json", json_, "JSON lines");
    cmd->footer(kAuditFooter);
  }
}

bool AuditCli::Run(const Ctx& c, Status* status) {
  if (verify_->parsed()) {
    *status = CmdVerify(c, anchor_);
  } else if (show_->parsed()) {
    AuditQuery q;
    q.entity = entity_;
    q.actor = actor_;
    q.limit = limit_;
    *status = CmdShow(c, q, since_);
  } else {
    return false;
  }
  return true;
}

}  // namespace sweep::hubcli
