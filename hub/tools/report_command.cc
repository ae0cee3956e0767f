// sweep-hub report --date D: the end-of-day report (docs/report.md).
#include "report_command.h"

#include <fstream>
#include <iostream>

#include "sweep/hub/audit.h"
#include "sweep/hub/case_service.h"
#include "sweep/hub/ledger_service.h"
#include "sweep/hub/report.h"
#include "terminal.h"

namespace sweep::hubcli {

using namespace sweep::hub;

namespace {

constexpr const char* kReportFooter = R"(Exit codes:
  0 ok                  2 invalid input (--date, --format)
  4 database integrity  5 I/O error (database, --output)
  10 busy: another process kept changing the ledger, run it again
Run `merge` first so that today's persons are counted as persons, not mentions.
What every figure means: docs/report.md.)";


Status CmdReport(const Ctx& c, const std::string& date, const std::string& format,
                 const std::string& output, size_t top) {
  HubStore* store = c.service->store();
  Env* env = c.service->env();
  SWEEP_RETURN_IF_ERROR(DayStartOf(store, date).status());  // before the long part
  LedgerServiceOptions lopt;
  lopt.log = false;
  LedgerService ledger(store, env, lopt);
  SWEEP_RETURN_IF_ERROR(ledger.CatchUp().status());
  CaseService cases(store, env);
  SWEEP_ASSIGN_OR_RETURN(cases::CaseOptions options, cases.Options());
  Progress progress(c.T("读取案件", "case file"));
  SWEEP_ASSIGN_OR_RETURN(uint64_t total, store->CountVersions(""));
  SWEEP_ASSIGN_OR_RETURN(cases::CaseView view,
                         cases.Load([&](uint64_t done) { progress.Update(done, total); }));
  progress.Done();
  DayReportOptions ropt;
  ropt.date = date;
  ropt.top_indicators = top;
  SWEEP_ASSIGN_OR_RETURN(DayReport report, ComputeDayReport(store, env, view, ropt));
  if (c.json) return WriteReport(DayReportJson(report), output, c.english);
  ReportFormat f = ReportFormat::kTable;
  if (format == "csv") f = ReportFormat::kCsv;
  if (format == "html") f = ReportFormat::kHtml;
  std::string text = RenderDayReport(report, options, f, c.english ? Lang::kEn : Lang::kZh);
  if (f == ReportFormat::kTable) {  // the audit log's head, to be noted (`audit verify --anchor`)
    SWEEP_ASSIGN_OR_RETURN(auto head, AuditLog(store, env).Head());
    text += c.T("审计日志链头：", "audit log head: ") +
            (head ? std::to_string(head->seq()) + ":" +
                        crypto::ToHex(Bytes(head->hash().begin(), head->hash().end()))
                  : std::string("-")) +
            "\n";
  }
  return WriteReport(text, output, c.english);
}

}  // namespace

ReportCli::ReportCli(CLI::App* app) {
  report_ = app->add_subcommand("report",
                                "End-of-day report: visits, coverage, persons, dens, suspects "
                                "(docs/report.md)");
  report_->add_option("--date", date_, "YYYY-MM-DD: the local day (China time, UTC+8)")->required();
  report_->add_option("--format", format_, "table (default) | csv | html")
      ->check(CLI::IsMember({"table", "csv", "html"}));
  report_->add_option("--output", output_, "Write to this file instead of standard output");
  report_->add_option("--top", top_, "Indicator codes listed, most seen first (default 10)")
      ->check(CLI::Range(1, 1000));
  report_->add_flag("--json", json_, "One JSON object with every figure (codes, not labels)");
  report_->footer(kReportFooter);
}

bool ReportCli::Run(const Ctx& c, Status* status) {
  if (!report_->parsed()) return false;
  *status = CmdReport(c, date_, format_, output_, top_);
  return true;
}

}  // namespace sweep::hubcli
