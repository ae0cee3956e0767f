// sweep-hub: the station server's command line. Parses arguments (CLI11),
// opens the hub database, runs one command, maps its Status to an exit code.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <thread>

#include "backup_commands.h"
#include "audit_commands.h"
#include "case_commands.h"
#include "cli_register.h"
#include "merge_commands.h"
#include "report_command.h"
#include "retention_commands.h"
#include "simulate_command.h"
#include "sweep/hub/case_service.h"
#include "sweep/hub/ledger_service.h"
#include "sweep/hub/merge_service.h"
#include "sweep/hub/retention.h"
#include "sweep/hub/server.h"
#include "sweep/hub/service.h"
#include "terminal.h"
#include "user_commands.h"

namespace {

using sweep::Status;
using namespace sweep::hub;

constexpr const char* kExitCodes = R"(Exit codes:
  0 ok                       5 I/O error (database, file, port in use)
  1 internal error           9 conflict / already exists (beat, assignment)
  2 invalid input or usage   3 not found (device, beat, building, file)
  4 database integrity      10 busy: the register kept changing, run it again
Screens are in Chinese; --lang en (or LANG=en_US.UTF-8) for English.
Register, beats and coverage: docs/coverage.md.)";

Status Serve(HubService* service, const std::string& listen, ServerOptions opt) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("--listen takes HOST:PORT, e.g. 127.0.0.1:8443");
  }
  opt.host = listen.substr(0, colon);
  try {
    opt.port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return Status::InvalidArgument("--listen: '" + listen.substr(colon + 1) + "' is not a port");
  }
  // SIGTERM / SIGINT stop the server cleanly: handled by a thread, not a
  // signal handler, so that stopping is ordinary code.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  SWEEP_ASSIGN_OR_RETURN(auto server, Server::Create(service, opt));
  // The ledger catches up in the background: at start and after each push
  // that stored versions, never inside the push's answer. The person merge
  // follows each catch-up on its own thread, its resolver kept warm
  // (docs/merge.md "Stored runs").
  // Small steps: each holds the store for its write only briefly, so pushes
  // are not kept waiting behind a large backlog (the warm resolver makes
  // small steps cheap).
  MergeServiceOptions mopt;
  mopt.batch_versions = 10000;
  mopt.step_versions = 10000;
  MergeWorker merge(service->store(), service->env(), mopt, !opt.quiet);
  // What follows from a merge run with new versions (new suspects, a den's
  // new status): the watchlist derived from the suspects goes to the tablets.
  merge.SetAfterMerge([service, quiet = opt.quiet](const MergeRunStats&) {
    auto published = CaseService(service->store(), service->env()).RepublishWatchlist();
    if (!published.ok()) {
      std::cerr << "watchlist: " << published.status().ToString() << "\n";
    } else if (!quiet && (published->added > 0 || published->removed > 0)) {
      std::cerr << "watchlist: " << published->added << " derived entries added or changed, "
                << published->removed << " removed\n";
    }
  });
  LedgerServiceOptions lopt;
  lopt.log = !opt.quiet;
  lopt.after_catch_up = [&merge] { merge.Notify(); };
  LedgerService ledger(service->store(), service->env(), lopt);
  service->SetIngestListener([&ledger] { ledger.Notify(); });
  merge.Start();
  ledger.Start();
  // Retention (docs/hub-storage.md "Retention"): once a day, the first
  // pass some minutes after start.
  RetentionWorkerOptions ropt;
  ropt.log = !opt.quiet;
  RetentionWorker retention(service->store(), service->env(), ropt);
  retention.Start();
  std::string scheme = opt.tls_cert.empty() ? "http" : "https";
  std::cout << "listening on " << scheme << "://" << opt.host << ":" << server->port()
            << "\nhub " << service->hub_id() << " fingerprint " << service->Fingerprint()
            << std::endl;
  std::thread stopper([&server, set] {
    int sig = 0;
    sigwait(&set, &sig);
    std::cerr << "{\"event\":\"stopping\",\"signal\":" << sig << "}\n";
    server->Stop();
  });
  Status st = server->Run();
  pthread_kill(stopper.native_handle(), SIGTERM);  // release the waiter if Run ended by itself
  stopper.join();
  service->SetIngestListener(nullptr);
  retention.Stop();
  ledger.Stop();
  merge.Stop();
  std::cerr << "{\"event\":\"stopped\"}\n";
  return st;
}

std::string Time(int64_t ms) {
  if (ms == 0) return "-";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%S");
  return out.str();
}

Status ListDevices(HubService* service) {
  SWEEP_ASSIGN_OR_RETURN(auto devices, service->Devices());
  for (const auto& d : devices) {
    std::cout << d.device_id << "  " << d.status << "  officer " << d.officer_id << " ("
              << d.agency << ", " << d.role << ")  synced to seq " << d.acked_seq
              << "  enrolled " << Time(d.enrolled_ms) << "  last seen " << Time(d.last_seen_ms);
    if (d.status == "revoked") std::cout << "  revoked " << Time(d.revoked_ms) << ": " << d.revoke_reason;
    std::cout << "\n";
  }
  std::cout << devices.size() << " devices\n";
  return Status::Ok();
}

Status Stats(HubService* service) {
  SWEEP_ASSIGN_OR_RETURN(auto devices, service->Devices());
  for (const auto& d : devices) {
    SWEEP_ASSIGN_OR_RETURN(uint64_t n, service->store()->CountVersions(d.device_id));
    std::cout << "device " << d.device_id << " versions " << n << " acked " << d.acked_seq << "\n";
  }
  SWEEP_ASSIGN_OR_RETURN(uint64_t total, service->store()->CountVersions(""));
  std::cout << "total versions " << total << "\n";
  return Status::Ok();
}

Status ListAlerts(HubService* service) {
  SWEEP_ASSIGN_OR_RETURN(auto alerts, service->Alerts());
  for (const auto& a : alerts) {
    std::cout << Time(a.at_ms) << "  " << a.kind << "  device " << a.device_id << "  " << a.detail
              << "\n";
  }
  std::cout << alerts.size() << " alerts\n";
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sweep-hub: the station server (enrollment, sync, merge, reports).", "sweep-hub"};
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.fallthrough();  // --db and --lang also after the command: `coverage --lang en`
  std::string db, lang;
  // Required by every command but `simulate` (checked after parsing).
  app.add_option("--db", db, "The hub's database file (created if missing)");
  app.add_option("--lang", lang, "Screen language: zh (default) or en (default from LANG)")
      ->check(CLI::IsMember({"zh", "en"}));

  std::string listen = "127.0.0.1:8443";
  ServerOptions sopt;
  auto* c_serve = app.add_subcommand(
      "serve", "Serve tablets and the station dashboard (/dash/) over HTTP(S) until SIGTERM");
  c_serve->add_option("--listen", listen, "HOST:PORT (port 0: any free port)");
  c_serve->add_option("--tls-cert", sopt.tls_cert, "PEM certificate (enables HTTPS)");
  c_serve->add_option("--tls-key", sopt.tls_key, "PEM private key");
  c_serve->add_flag("--quiet", sopt.quiet, "No per-request log lines");
  c_serve->add_option("--dash-origin", sopt.dash_origin,
                      "The dashboard's public origin, e.g. https://hub.station:8443 (default: "
                      "the scheme and Host of each request)");

  std::string officer, agency = "police", role = "officer";
  double ttl_hours = 24;
  auto* c_code = app.add_subcommand("enroll-code", "Print a one-time code to enroll a tablet");
  c_code->add_option("--officer", officer, "Officer id the tablet is for")->required();
  c_code->add_option("--agency", agency, "police | market_regulation | tax | commerce");
  c_code->add_option("--role", role, "officer | supervisor | regulator | admin");
  c_code->add_option("--ttl-hours", ttl_hours, "Hours until the code expires (default 24)");

  auto* c_devices = app.add_subcommand("devices", "List enrolled tablets");
  std::string device, reason = "revoked by the station";
  auto* c_revoke = app.add_subcommand("revoke", "Revoke a tablet: refused and told to wipe");
  c_revoke->add_option("DEVICE", device, "Device id")->required();
  c_revoke->add_option("--reason", reason, "Why (shown to the tablet and in the alerts)");

  auto* c_watch = app.add_subcommand("watchlist", "Watchlist entries sent to tablets as hashes");
  c_watch->require_subcommand(1);
  std::string wkind, wvalue, wlevel = "alert", wnote;
  auto* c_wadd = c_watch->add_subcommand("add", "Add an identifier");
  auto* c_wrm = c_watch->add_subcommand("remove", "Remove an identifier");
  for (auto* c : {c_wadd, c_wrm}) {
    c->add_option("--kind", wkind, "id | phone | card")->required();
    c->add_option("VALUE", wvalue, "The identifier")->required();
  }
  c_wadd->add_option("--level", wlevel, "alert | notice");
  c_wadd->add_option("--note", wnote, "What the officer should do on a hit");
  auto* c_alerts = app.add_subcommand("alerts", "Security alerts (forks, bad signatures, replays)");
  auto* c_stats = app.add_subcommand("stats", "Stored record versions per device");
  sweep::hubcli::RegisterCli register_cli(&app);
  sweep::hubcli::SimulateCli simulate_cli(&app);
  sweep::hubcli::MergeCli merge_cli(&app);
  sweep::hubcli::CaseCli case_cli(&app);
  sweep::hubcli::ReportCli report_cli(&app);
  sweep::hubcli::UserCli user_cli(&app);
  sweep::hubcli::AuditCli audit_cli(&app);
  sweep::hubcli::BackupCli backup_cli(&app);
  sweep::hubcli::RetentionCli retention_cli(&app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  auto fail = [](const Status& st) {
    std::cerr << "sweep-hub: " << st.ToString() << "\n";
    return sweep::ExitCodeFor(st);
  };
  if (simulate_cli.parsed()) {
    Status sim = simulate_cli.Run(sweep::hubcli::WantEnglish(lang));
    return sim.ok() ? 0 : fail(sim);
  }
  if (Status bs; backup_cli.RunWithoutStore(db, sweep::hubcli::WantEnglish(lang), &bs)) {
    return bs.ok() ? 0 : fail(bs);
  }
  if (db.empty()) {
    return fail(Status::InvalidArgument("--db FILE is required (the hub's database file)"));
  }
  auto store = OpenSqliteHubStore(db);
  if (!store.ok()) return fail(store.status());
  auto service = HubService::Open(std::move(store).value(), sweep::Env::Default());
  if (!service.ok()) return fail(service.status());
  HubService* s = service->get();
  Status st;
  if (c_serve->parsed()) {
    st = Serve(s, listen, sopt);
  } else if (c_code->parsed()) {
    auto code = s->CreateEnrollCode(officer, agency, role,
                                    static_cast<int64_t>(ttl_hours * 3600 * 1000));
    if (code.ok()) {
      st = sweep::hubcli::AuditCliEntry({s}, "", "enroll", "officer:" + officer,
                                        AuditDetail({{"agency", agency}, {"role", role}}));
      if (!st.ok()) return fail(st);
      std::cout << *code << "\n";
      std::cerr << "one-time code for officer " << officer << " (" << agency << ", " << role
                << "), valid " << ttl_hours << " h; hub fingerprint " << s->Fingerprint() << "\n";
    }
    st = code.status();
  } else if (c_devices->parsed()) {
    st = ListDevices(s);
  } else if (c_revoke->parsed()) {
    st = s->Revoke(device, reason);
    if (st.ok()) {
      st = sweep::hubcli::AuditCliEntry({s}, "", "revoke", "device:" + device,
                                        AuditDetail({{"reason", reason}}));
    }
    if (st.ok()) std::cout << "revoked " << device << ": its next sync is refused and wipes it\n";
  } else if (c_wadd->parsed()) {
    st = s->WatchlistAdd(wkind, wvalue, wlevel, wnote);
    if (st.ok()) std::cout << "watchlist: added one " << wkind << "\n";
  } else if (c_wrm->parsed()) {
    st = s->WatchlistRemove(wkind, wvalue);
    if (st.ok()) std::cout << "watchlist: removed one " << wkind << "\n";
  } else if (c_alerts->parsed()) {
    st = ListAlerts(s);
  } else if (c_stats->parsed()) {
    st = Stats(s);
  } else if (sweep::hubcli::Ctx mc{s, sweep::hubcli::WantEnglish(lang), merge_cli.json()};
             merge_cli.Run(mc, &st)) {
  } else if (sweep::hubcli::Ctx cc{s, sweep::hubcli::WantEnglish(lang), case_cli.json()};
             case_cli.Run(cc, &st)) {
  } else if (sweep::hubcli::Ctx rc{s, sweep::hubcli::WantEnglish(lang), report_cli.json()};
             report_cli.Run(rc, &st)) {
  } else if (sweep::hubcli::Ctx uc{s, sweep::hubcli::WantEnglish(lang), user_cli.json()};
             user_cli.Run(uc, &st)) {
  } else if (sweep::hubcli::Ctx ac{s, sweep::hubcli::WantEnglish(lang), audit_cli.json()};
             audit_cli.Run(ac, &st)) {
  } else if (sweep::hubcli::Ctx bc{s, sweep::hubcli::WantEnglish(lang), false};
             backup_cli.Run(bc, &st)) {
  } else if (sweep::hubcli::Ctx tc{s, sweep::hubcli::WantEnglish(lang), retention_cli.json()};
             retention_cli.Run(tc, &st)) {
  } else {
    sweep::hubcli::Ctx ctx{s, sweep::hubcli::WantEnglish(lang), register_cli.json()};
    register_cli.Run(ctx, &st);
  }
  return st.ok() ? 0 : fail(st);
}
