// sweep-hub retention set | show | apply: how long the station keeps
// personal data, per category (docs/hub-storage.md "Retention").
#include "retention_commands.h"

#include <iostream>
#include <map>
#include <memory>

#include "audit_commands.h"
#include "sweep/hub/case_service.h"
#include "sweep/hub/merge_service.h"
#include "sweep/hub/retention.h"
#include "terminal.h"

namespace sweep::hubcli {

using namespace sweep::hub;

namespace {

constexpr const char* kRetentionFooter = R"(Categories (days; 0 = keep forever):
  residents_no_finding  persons of rental checks that found nothing (no indicator,
                        disposition, watchlist hit or follow-up; no den; nobody
                        with a case, a review or a watchlist entry), and their photos
  photos_no_finding     only the photos of such rental checks
  tablet_synced         tablets drop records this long after the hub acknowledged
                        them (sent with the next sync)
What goes and what stays: docs/hub-storage.md "Retention". Every purge and
every change of a setting is in the audit log (`audit show --entity
retention:CATEGORY`). `serve` applies the settings once a day.
Exit codes:
  0 ok                  2 invalid input (unknown category, days out of range)
  4 database integrity  5 I/O error (database)
  10 busy: the merge kept changing, run it again)";

const char* Meaning(const std::string& category, bool english) {
  if (category == kResidentsNoFinding) {
    return english ? "persons of rental checks with no finding, and their photos"
                   : "无发现的出租屋检查中的人员信息及照片";
  }
  if (category == kPhotosNoFinding) {
    return english ? "photos of rental checks with no finding" : "无发现的出租屋检查的照片";
  }
  return english ? "records on tablets, after the hub acknowledged them"
                 : "平板上已被所里确认收到的记录";
}

Status CmdSet(const Ctx& c, const std::string& category, uint32_t days) {
  RetentionService service(c.service->store(), c.service->env());
  SWEEP_ASSIGN_OR_RETURN(RetentionSettings before, service.Settings());
  SWEEP_ASSIGN_OR_RETURN(bool changed, service.Set(category, days, CliActor(c)));
  uint32_t from = 0;
  for (const RetentionSetting& s : before.All()) {
    if (s.category == category) from = s.days;
  }
  if (c.json) {
    std::cout << "{\"category\":" << JsonString(category) << ",\"days\":" << days
              << ",\"from\":" << from << ",\"changed\":" << (changed ? "true" : "false") << "}\n";
    return Status::Ok();
  }
  if (!changed) {
    std::cout << c.T("保留期未变：", "retention unchanged: ") << category << " " << days
              << c.T(" 天\n", " days\n");
    return Status::Ok();
  }
  std::cout << c.T("保留期已设置：", "retention set: ") << category << " "
            << (days == 0 ? std::string(c.T("永久保留", "keep forever"))
                          : std::to_string(days) + c.T(" 天", " days"))
            << c.T("（原为 ", " (was ") << from << c.T("）\n", ")\n");
  if (category == kTabletSynced) {
    std::cout << c.T("平板在下次同步时收到此设置。\n",
                     "tablets receive it with their next sync.\n");
  } else {
    std::cout << c.T(
        "由 serve 每天执行；立即执行：sweep-hub retention apply（先加 --dry-run "
        "查看）\n",
        "serve applies it daily; now: sweep-hub retention apply (try --dry-run "
        "first)\n");
  }
  return Status::Ok();
}

Status CmdShow(const Ctx& c) {
  RetentionService service(c.service->store(), c.service->env());
  SWEEP_ASSIGN_OR_RETURN(RetentionSettings settings, service.Settings());
  SWEEP_ASSIGN_OR_RETURN(auto runs, c.service->store()->ListRetentionRuns(false));
  std::map<std::string, RetentionRun> last;
  for (const RetentionRun& r : runs) {
    if (r.records > 0 || r.files > 0) last[r.category] = r;
  }
  const int64_t now = c.service->env()->NowMillis();
  for (const RetentionSetting& s : settings.All()) {
    auto run = last.find(s.category);
    if (c.json) {
      std::cout << "{\"category\":" << JsonString(s.category) << ",\"days\":" << s.days;
      if (s.days > 0) std::cout << ",\"cutoff_ms\":" << now - int64_t{s.days} * kDayMs;
      if (run != last.end()) {
        std::cout << ",\"last_run\":{\"run\":" << run->second.run
                  << ",\"at_ms\":" << run->second.started_ms
                  << ",\"records\":" << run->second.records << ",\"photos\":" << run->second.files
                  << "}";
      }
      std::cout << "}\n";
      continue;
    }
    std::cout << s.category << "  "
              << (s.days == 0 ? std::string(c.T("永久保留", "keep forever"))
                              : std::to_string(s.days) + c.T(" 天", " days"))
              << "  " << Meaning(s.category, c.english) << "\n";
    if (s.days > 0 && s.category != kTabletSynced) {
      std::cout << c.T("    早于 ", "    due: before ") << LocalTime(now - int64_t{s.days} * kDayMs)
                << c.T(" 的记录到期\n", "\n");
    }
    if (run != last.end()) {
      std::cout << c.T("    上次清除：", "    last purge: ") << LocalTime(run->second.started_ms)
                << c.T("，记录 ", ", records ") << run->second.records
                << c.T("，照片 ", ", photos ") << run->second.files << "\n";
    }
  }
  return Status::Ok();
}

void PrintCounts(const Ctx& c, const RetentionCounts& n, bool dry_run) {
  if (c.json) {
    std::cout << "{\"category\":" << JsonString(n.category) << ",\"days\":" << n.days
              << ",\"cutoff_ms\":" << n.cutoff_ms << ",\"dry_run\":" << (dry_run ? "true" : "false")
              << ",\"records\":" << n.records << ",\"versions\":" << n.versions
              << ",\"mentions\":" << n.mentions << ",\"photos\":" << n.files
              << ",\"kept_finding\":" << n.kept_finding << ",\"kept_den\":" << n.kept_den
              << ",\"kept_person\":" << n.kept_person << ",\"run\":" << n.run << "}\n";
    return;
  }
  std::cout << n.category << c.T("（", " (") << n.days << c.T(" 天，早于 ", " days, before ")
            << LocalTime(n.cutoff_ms) << c.T("）：", "): ")
            << (dry_run ? c.T("将清除 ", "would purge ") : c.T("已清除 ", "purged "));
  if (n.category == kResidentsNoFinding) {
    std::cout << n.records << c.T(" 条记录（", " records (") << n.versions
              << c.T(" 个版本，", " versions, ") << n.mentions
              << c.T(" 条人员信息），", " person mentions), ");
  }
  std::cout << n.files << c.T(" 张照片\n", " photos\n");
  std::cout << c.T("    保留（已到期）：有发现 ", "    kept although due: with a finding ")
            << n.kept_finding << c.T("，窝点 ", ", at a den ") << n.kept_den
            << c.T("，涉及关注人员 ", ", with a person of interest ") << n.kept_person << "\n";
}

Status CmdApply(const Ctx& c, bool dry_run) {
  HubStore* store = c.service->store();
  Env* env = c.service->env();
  if (!dry_run) {
    // New persons must be placed before anyone is judged (dry runs write
    // nothing: what the merge has not read is counted as skipped).
    Progress merging(c.T("合并", "merge"));
    MergeServiceOptions mopt;
    SWEEP_ASSIGN_OR_RETURN(uint64_t total, store->CountVersions(""));
    mopt.progress = [&](uint64_t done) { merging.Update(done, total); };
    SWEEP_ASSIGN_OR_RETURN(MergeRunStats merged, MergeService(store, env, mopt).Run());
    merging.Done();
    if (merged.versions > 0) {
      SWEEP_ASSIGN_OR_RETURN(auto w, CaseService(store, env).RepublishWatchlist());
      (void)w;
    }
  }
  std::unique_ptr<Progress> progress;
  std::string current;
  RetentionOptions options;
  options.progress = [&](const std::string& category, uint64_t done, uint64_t total) {
    if (category != current) {
      if (progress) progress->Done();
      progress = std::make_unique<Progress>(std::string(c.T("清除 ", "purge ")) + category);
      current = category;
    }
    progress->Update(done, total);
  };
  RetentionService service(store, env, options);
  SWEEP_ASSIGN_OR_RETURN(RetentionReport report, service.Apply(dry_run, CliActor(c)));
  if (progress) progress->Done();
  for (const RetentionCounts& n : report.categories) PrintCounts(c, n, dry_run);
  if (c.json) {
    std::cout << "{\"dry_run\":" << (dry_run ? "true" : "false")
              << ",\"unmerged\":" << report.unmerged
              << ",\"audits_recovered\":" << report.audits_recovered
              << ",\"log_flushed\":" << (report.log_flushed ? "true" : "false") << "}\n";
    return Status::Ok();
  }
  if (report.categories.empty()) {
    std::cout << c.T("没有设置保留期（均为永久保留）：sweep-hub retention set CATEGORY DAYS\n",
                     "no retention is set (everything is kept): sweep-hub retention set "
                     "CATEGORY DAYS\n");
  }
  if (report.unmerged > 0) {
    std::cout << report.unmerged
              << c.T(" 条到期记录尚未合并，本次跳过（先运行 sweep-hub merge）\n",
                     " due records are not merged yet and were skipped (run sweep-hub merge)\n");
  }
  if (report.audits_recovered > 0) {
    std::cout << c.T("补记了被中断的清除的审计日志：",
                     "audit entries written for interrupted runs: ")
              << report.audits_recovered << "\n";
  }
  if (!report.log_flushed) {
    std::cerr << c.T("注意：预写日志暂未清空（有读者），下次检查点时清空\n",
                     "note: the write-ahead log could not be emptied now (a reader holds it); "
                     "the next checkpoint does it\n");
  }
  return Status::Ok();
}

}  // namespace

RetentionCli::RetentionCli(CLI::App* app) {
  auto* retention = app->add_subcommand(
      "retention", "How long personal data is kept, per category; purge what is due");
  retention->require_subcommand(1);
  retention->footer(kRetentionFooter);
  set_ = retention->add_subcommand("set", "Set a category's retention in days (0: keep forever)");
  set_->add_option("CATEGORY", category_,
                   "residents_no_finding | photos_no_finding | tablet_synced")
      ->required();
  set_->add_option("DAYS", days_, "Days to keep (0: forever)")
      ->required()
      ->check(CLI::Range(0u, kMaxRetentionDays));
  show_ = retention->add_subcommand("show", "The settings, what is due now, and the last purges");
  apply_ = retention->add_subcommand(
      "apply", "Merge, then purge what is due now (serve does it daily); one audit entry per run");
  apply_->add_flag("--dry-run", dry_run_, "Count what would be purged; change nothing");
  for (auto* cmd : {set_, show_, apply_}) {
    cmd->add_flag("--json", json_, "JSON lines");
    cmd->footer(kRetentionFooter);
  }
}

bool RetentionCli::Run(const Ctx& c, Status* status) {
  if (set_->parsed()) {
    *status = CmdSet(c, category_, days_);
  } else if (show_->parsed()) {
    *status = CmdShow(c);
  } else if (apply_->parsed()) {
    *status = CmdApply(c, dry_run_);
  } else {
    return false;
  }
  return true;
}

}  // namespace sweep::hubcli
