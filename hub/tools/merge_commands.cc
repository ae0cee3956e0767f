// sweep-hub merge / review list|show|same|not-same|split / persons show: the
// person merge on the command line (docs/merge.md "Stored runs").
#include "merge_commands.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "audit_commands.h"
#include "sweep/hub/case_service.h"
#include "sweep/hub/merge_service.h"
#include "terminal.h"

namespace sweep::hubcli {

using namespace sweep::hub;

namespace {

constexpr const char* kMergeFooter = R"(Exit codes:
  0 ok                  3 not found (review item, mention, person)
  2 invalid input       4 database integrity    5 I/O error
  10 busy: another process kept changing the merge, run it again
The matching model and how to read a review item: docs/merge.md.)";

MergeService Service(const Ctx& c) { return MergeService(c.service->store(), c.service->env()); }


std::string Fixed(double v, bool sign) {
  char buf[32];
  std::snprintf(buf, sizeof buf, sign ? "%+.2f" : "%.2f", v);
  return buf;
}

// The review item N (1-based) or the two mention ids given.
Result<std::pair<std::string, std::string>> PairOf(const Ctx& c,
                                                   const std::vector<std::string>& args) {
  if (args.size() == 2) return std::make_pair(args[0], args[1]);
  if (args.size() != 1) {
    return Status::InvalidArgument(
        "give a review item number (from `review list`) or two "
        "mention ids");
  }
  size_t n = 0;
  auto [end, ec] = std::from_chars(args[0].data(), args[0].data() + args[0].size(), n);
  if (ec != std::errc() || end != args[0].data() + args[0].size() || n == 0) {
    return Status::InvalidArgument("'" + args[0] +
                                   "' is not a review item number: give N from `review list`, "
                                   "or two mention ids");
  }
  SWEEP_ASSIGN_OR_RETURN(auto queue, c.service->store()->MergeReviewQueue());
  if (n > queue.size()) {
    return Status::NotFound("no review item " + args[0] + ": the queue holds " +
                            std::to_string(queue.size()) +
                            " (see `review list`; `merge` refreshes it)");
  }
  return std::make_pair(queue[n - 1].a, queue[n - 1].b);
}

std::string NameOf(const Ctx& c, const std::string& mention) {
  auto members = c.service->store()->MergeEntityMentions(mention);
  if (!members.ok()) return "?";
  for (const MergeMentionView& v : *members) {
    if (v.mention.mention_id == mention) return v.mention.name;
  }
  return "?";
}

Status CmdMerge(const Ctx& c) {
  Progress progress(c.T("合并", "merge"));
  MergeServiceOptions options;
  SWEEP_ASSIGN_OR_RETURN(uint64_t total, c.service->store()->CountVersions(""));
  options.progress = [&](uint64_t done) { progress.Update(done, total); };
  MergeService merge(c.service->store(), c.service->env(), options);
  SWEEP_ASSIGN_OR_RETURN(MergeRunStats s, merge.Run());
  progress.Done();
  // The suspects' persons may have changed: the derived watchlist follows.
  SWEEP_ASSIGN_OR_RETURN(auto w, CaseService(c.service->store(), c.service->env())
                                     .RepublishWatchlist());
  if (c.json) {
    std::cout << "{\"versions\":" << s.versions << ",\"records\":" << s.records
              << ",\"new_mentions\":" << s.new_mentions << ",\"mentions\":" << s.mentions
              << ",\"persons\":" << s.entities << ",\"merged\":" << s.merged
              << ",\"review\":" << s.review << ",\"retries\":" << s.retries
              << ",\"watchlist_added\":" << w.added << ",\"watchlist_removed\":" << w.removed
              << "}\n";
    return Status::Ok();
  }
  std::cout << c.T("读取记录版本：", "record versions read: ") << s.versions << c.T("（", " (")
            << s.records << c.T(" 条记录）\n", " records)\n")
            << c.T("新增人员信息：", "new mentions: ") << s.new_mentions << "\n"
            << c.T("人员（合并后）：", "persons (entities): ") << s.entities
            << c.T("，共 ", ", of ") << s.mentions << c.T(" 条人员信息\n", " mentions\n")
            << c.T("本次合并：", "merged this run: ") << s.merged << "\n"
            << c.T("待复核：", "review pairs: ") << s.review << "\n"
            << c.T("监控名单（由涉案人员生成）：新增或更改 ", "derived watchlist: added or changed ")
            << w.added << c.T("，撤销 ", ", removed ") << w.removed << "\n";
  for (const std::string& conflict : s.conflicts) {
    std::cout << c.T("与身份证号规则冲突的决定：", "decision overridden by the ID rule: ")
              << conflict << "\n";
  }
  return Status::Ok();
}

Status CmdReviewList(const Ctx& c) {
  SWEEP_ASSIGN_OR_RETURN(auto queue, c.service->store()->MergeReviewQueue());
  for (size_t i = 0; i < queue.size(); ++i) {
    const resolve::ReviewPair& r = queue[i];
    std::string na = NameOf(c, r.a), nb = NameOf(c, r.b);
    if (c.json) {
      std::cout << "{\"n\":" << i + 1 << ",\"score\":" << Fixed(r.score, false)
                << ",\"a\":" << JsonString(r.a) << ",\"b\":" << JsonString(r.b)
                << ",\"entity_a\":" << JsonString(r.entity_a)
                << ",\"entity_b\":" << JsonString(r.entity_b) << ",\"name_a\":" << JsonString(na)
                << ",\"name_b\":" << JsonString(nb) << "}\n";
    } else {
      std::cout << i + 1 << "  " << Fixed(r.score, false) << "  " << na << " (" << r.a << ", "
                << r.entity_a << ")  ~  " << nb << " (" << r.b << ", " << r.entity_b << ")\n";
    }
  }
  if (!c.json) std::cout << queue.size() << c.T(" 对待复核\n", " pairs to review\n");
  return Status::Ok();
}

Status CmdReviewShow(const Ctx& c, const std::vector<std::string>& args) {
  SWEEP_ASSIGN_OR_RETURN(auto pair, PairOf(c, args));
  SWEEP_ASSIGN_OR_RETURN(resolve::Resolver r, Service(c).Load());
  SWEEP_ASSIGN_OR_RETURN(resolve::PairEvidence e, r.Explain(pair.first, pair.second));
  resolve::Options thresholds;
  std::cout << "A: " << e.a << "  " << NameOf(c, e.a) << "\nB: " << e.b << "  " << NameOf(c, e.b)
            << "\n"
            << c.T("字段", "field") << " | " << c.T("比对", "level") << " | A | B | "
            << c.T("权重", "weight") << "\n";
  for (const resolve::FieldEvidence& f : e.fields) {
    std::cout << f.field << " | " << f.level << " | " << f.value_a << " | " << f.value_b << " | "
              << Fixed(f.weight, true) << "\n";
  }
  std::cout << c.T("总分：", "total: ") << Fixed(e.score, false) << c.T("（≥ ", " (≥ ")
            << Fixed(thresholds.upper, false) << c.T(" 合并，", " merge, ")
            << Fixed(thresholds.lower, false) << c.T(" 至 ", " to ")
            << Fixed(thresholds.upper, false)
            << c.T(" 复核，以下分开）\n", " review, below apart)\n") << c.T("结论：", "verdict: ")
            << e.verdict << "\n";
  return Status::Ok();
}

Status CmdDecide(const Ctx& c, resolve::Decision d) {
  SWEEP_ASSIGN_OR_RETURN(MergeRunStats s, Service(c).Decide(d));
  using K = resolve::DecisionKind;
  auto members = c.service->store()->MergeEntityMentions(d.kind == K::kSplit ? d.entity_id : d.a);
  std::string mentions;
  for (const auto& m : d.mentions) mentions += (mentions.empty() ? "" : " ") + m;
  SWEEP_RETURN_IF_ERROR(AuditCliEntry(
      c, d.by, d.kind == K::kSame ? "merge" : (d.kind == K::kNotSame ? "not_same" : "split"),
      "person:" + (members.ok() && !members->empty() ? members->front().entity_id : d.entity_id),
      AuditDetail({{"a", d.a}, {"b", d.b}, {"mentions", mentions}})));
  std::cout << c.T("已记录决定；人员：", "decision stored; persons: ") << s.entities
            << c.T("，待复核：", ", review pairs: ") << s.review << "\n";
  for (const std::string& conflict : s.conflicts) {
    std::cout << c.T("与身份证号规则冲突的决定：", "decision overridden by the ID rule: ")
              << conflict << "\n";
  }
  return Status::Ok();
}

Status CmdPersonsShow(const Ctx& c, const std::string& id) {
  SWEEP_ASSIGN_OR_RETURN(auto members, c.service->store()->MergeEntityMentions(id));
  if (members.empty()) return Status::NotFound("no person " + id);
  const std::string& entity = members.front().entity_id;
  SWEEP_RETURN_IF_ERROR(
      AuditCliEntry(c, "", "read", "person:" + entity, AuditDetail({{"asked", id}})));
  if (!c.json) {
    std::cout << c.T("人员 ", "person ") << entity << c.T("：", ": ") << members.size()
              << c.T(" 条人员信息\n", " mentions\n");
  }
  for (const MergeMentionView& v : members) {
    const resolve::PersonMention& m = v.mention;
    if (c.json) {
      std::cout << "{\"entity\":" << JsonString(entity)
                << ",\"mention\":" << JsonString(m.mention_id) << ",\"name\":" << JsonString(m.name)
                << ",\"id_number\":" << JsonString(m.id_number)
                << ",\"phone\":" << JsonString(m.phone) << ",\"role\":" << JsonString(m.role)
                << ",\"record\":" << JsonString(m.record_id)
                << ",\"officer\":" << JsonString(m.officer_id)
                << ",\"device\":" << JsonString(v.device_id) << ",\"at_ms\":" << m.at_ms
                << ",\"premises\":" << JsonString(m.premises_key) << "}\n";
      continue;
    }
    std::cout << "  " << m.mention_id << "  " << m.name << "  "
              << (m.id_number.empty() ? "-" : m.id_number) << "  "
              << (m.phone.empty() ? "-" : m.phone) << "  " << m.role << "\n    "
              << c.T("记录 ", "record ") << m.record_id << c.T("，民警 ", ", officer ")
              << m.officer_id << c.T("，设备 ", ", device ") << v.device_id
              << c.T("，时间 ", ", at ") << LocalTime(m.at_ms) << c.T("，地址 ", ", premises ")
              << (m.premises_key.empty() ? "-" : m.premises_key) << "\n";
  }
  return Status::Ok();
}

}  // namespace

MergeCli::MergeCli(CLI::App* app) {
  merge_ = app->add_subcommand("merge",
                               "Merge the persons of the visits ingested since the last "
                               "run (docs/merge.md)");
  merge_->add_flag("--json", json_, "One JSON line");
  merge_->footer(kMergeFooter);
  auto* review = app->add_subcommand("review", "The merge's review queue and decisions");
  review->require_subcommand(1);
  review->footer(kMergeFooter);
  list_ = review->add_subcommand("list", "Pairs to review, best score first");
  list_->add_flag("--json", json_, "JSON lines");
  show_ = review->add_subcommand("show", "The evidence of review item N (or of two mentions)");
  same_ = review->add_subcommand("same", "Decide: the same person (must-link)");
  not_same_ = review->add_subcommand("not-same", "Decide: different persons (cannot-link)");
  for (auto* c : {show_, same_, not_same_}) {
    c->add_option("N_OR_A_B", pair_, "Review item number, or two mention ids")
        ->required()
        ->expected(1, 2);
  }
  for (auto* c : {same_, not_same_}) c->add_option("--by", by_, "Who decides (officer id)");
  split_ = review->add_subcommand("split", "Split mentions off a person (cannot-link)");
  split_->add_option("ENTITY", entity_, "Person id (P…)")->required();
  split_->add_option("--mention", mentions_, "Mention id that leaves (repeat)")->required();
  split_->add_option("--by", by_, "Who decides (officer id)");
  auto* persons = app->add_subcommand("persons", "Merged persons");
  persons->require_subcommand(1);
  persons->footer(kMergeFooter);
  persons_show_ = persons->add_subcommand("show", "A person's mentions with their provenance");
  persons_show_->add_option("ID", entity_, "Person id (P…) or one of its mention ids")->required();
  persons_show_->add_flag("--json", json_, "JSON lines");
}

bool MergeCli::Run(const Ctx& c, Status* status) {
  resolve::Decision d;
  d.by = by_;
  if (merge_->parsed()) {
    *status = CmdMerge(c);
  } else if (list_->parsed()) {
    *status = CmdReviewList(c);
  } else if (show_->parsed()) {
    *status = CmdReviewShow(c, pair_);
  } else if (same_->parsed() || not_same_->parsed()) {
    auto pair = PairOf(c, pair_);
    if (!pair.ok()) {
      *status = pair.status();
      return true;
    }
    d.kind = same_->parsed() ? resolve::DecisionKind::kSame : resolve::DecisionKind::kNotSame;
    d.a = pair->first;
    d.b = pair->second;
    *status = CmdDecide(c, d);
  } else if (split_->parsed()) {
    d.kind = resolve::DecisionKind::kSplit;
    d.entity_id = entity_;
    d.mentions = mentions_;
    *status = CmdDecide(c, d);
  } else if (persons_show_->parsed()) {
    *status = CmdPersonsShow(c, entity_);
  } else {
    return false;
  }
  return true;
}

}  // namespace sweep::hubcli
