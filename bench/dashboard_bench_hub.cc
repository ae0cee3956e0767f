// dashboard_bench: the station dashboard phase (dashboard_bench.h).
//
// Baseline first, in-process, with no server: what each answer costs
// without the dashboard's cache, i.e. CaseService::Load (median of
// --baseline-loads) plus the route's own computation on the loaded view
// (median of up to 20 runs), plus MergeService::Load for the review queue's
// evidence; coverage has no view to cache, so its baseline is
// ComputeCoverage alone. A decision's baseline is `sweep-hub dens set`:
// Load, then CaseService::Edit. The baseline's view is freed before the
// server starts, so the two never hold a view each.
//
// Then the real hub::Server on 127.0.0.1 (one keep-alive client): sign-in,
// the first request after start (it loads the case view), the first review
// page (it loads the merge's resolver), --requests rounds over every read
// route, and --decisions den status changes, each followed by the read
// that reloads the view.
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "dashboard_bench_station.h"
#include "sweep/hub/case_service.h"
#include "sweep/hub/coverage.h"
#include "sweep/hub/merge_service.h"
#include "sweep/hub/report.h"
#include "sweep/hub/server.h"
#include "sweep/schema/ledger.h"
#include "sweep/v1/dashboard.pb.h"

namespace sweep::bench {
namespace {

constexpr int64_t kMaxComputeRuns = 20;
constexpr size_t kReviewPage = 50;  // as the dashboard pages it

double Ms(const Stopwatch& w) { return w.Seconds() * 1000.0; }

// What the routes are asked about.
struct Subjects {
  std::string date;       // today, local (YYYY-MM-DD)
  std::string den;        // the suspected den with the most visits
  std::string other_den;  // another den, for the baseline's decision ("" if none)
  std::string suspect;    // the suspect with the most mentions
};

Result<Subjects> PickSubjects(const hub::cases::CaseView& view, Env* env) {
  Subjects s;
  s.date = schema::ledger::LocalDate({}, env->NowMillis());
  size_t den_visits = 0, mentions = 0;
  for (const auto& [key, p] : view.premises) {
    if (p.status != hub::cases::DenStatus::kSuspected) continue;
    if (s.den.empty() || p.visits.size() > den_visits) {
      if (!s.den.empty()) s.other_den = s.den;
      s.den = key;
      den_visits = p.visits.size();
    } else if (s.other_den.empty()) {
      s.other_den = key;
    }
  }
  for (const auto& [entity, p] : view.persons) {
    if (p.suspect() && (s.suspect.empty() || p.mentions.size() > mentions)) {
      s.suspect = entity;
      mentions = p.mentions.size();
    }
  }
  if (s.den.empty() || s.suspect.empty()) {
    return Status::Internal(
        "the simulated station has no suspected den or no suspect: raise --visits");
  }
  return s;
}

// The loaded state a baseline computation works on.
struct Loaded {
  hub::HubService* service;
  const hub::cases::CaseView& view;
  const hub::cases::CaseOptions& options;
  const hub::resolve::Resolver& resolver;
  const Subjects& s;
};

// What a route's baseline loads before it computes.
enum class Needs { kNothing, kView, kViewAndResolver };

// One read route: its request, and what answering it costs on a loaded
// view (a count comes back so that nothing is optimised away).
struct Route {
  std::string name, path;
  httplib::Params params;
  Needs needs;
  Result<size_t> (*compute)(const Loaded&);
};

size_t CountLinksOf(const hub::cases::CaseView& view, const std::string& node) {
  return static_cast<size_t>(
      std::count_if(view.links.begin(), view.links.end(),
                    [&](const auto& l) { return l.a == node || l.b == node; }));
}

Result<size_t> ReportOn(const Loaded& c) {
  hub::DayReportOptions o;
  o.date = c.s.date;
  SWEEP_ASSIGN_OR_RETURN(auto day,
                         hub::ComputeDayReport(c.service->store(), c.service->env(), c.view, o));
  return day.total.visits;
}

Result<size_t> CoverageOn(const Loaded& c) {
  SWEEP_ASSIGN_OR_RETURN(auto cov, hub::ComputeCoverage(c.service->store(), c.service->env(), {}));
  return cov.rows.size();
}

Result<size_t> DensOn(const Loaded& c) {
  size_t n = 0;  // each den with its visits, as the list counts them
  for (const auto& [key, p] : c.view.premises) {
    if (p.status != hub::cases::DenStatus::kNone) n += 1 + p.visits.size();
  }
  return n;
}

// The den's links, and its visits' records read and parsed (for their photos).
Result<size_t> DenOn(const Loaded& c) {
  const auto& p = c.view.premises.at(c.s.den);
  size_t n = CountLinksOf(c.view, "premises:" + p.key);
  for (const std::string& id : p.visits) {
    SWEEP_ASSIGN_OR_RETURN(auto versions, c.service->store()->VersionsOfRecord(id));
    for (const auto& v : versions) {
      v1::Record rec;
      n += rec.ParseFromArray(v.record.data(), static_cast<int>(v.record.size()));
    }
  }
  return n;
}

Result<size_t> SuspectsOn(const Loaded& c) {
  size_t n = 0;
  for (const auto& [e, p] : c.view.persons) n += p.suspect() ? 1 : 0;
  return n;
}

Result<size_t> PersonOn(const Loaded& c) {
  const auto& p = c.view.persons.at(c.s.suspect);
  return p.fields.size() + CountLinksOf(c.view, "person:" + p.entity);
}

Result<size_t> GraphOn(const Loaded& c) {
  SWEEP_ASSIGN_OR_RETURN(
      auto g, hub::cases::GraphAround(c.view, "premises:" + c.s.den, 2, c.options.address));
  return g.nodes.size() + g.links.size();
}

// The first page of the queue, each pair explained, its two persons looked up.
Result<size_t> ReviewOn(const Loaded& c) {
  SWEEP_ASSIGN_OR_RETURN(auto queue, c.service->store()->MergeReviewQueue());
  size_t n = 0;
  for (size_t i = 0; i < queue.size() && i < kReviewPage; ++i) {
    if (auto e = c.resolver.Explain(queue[i].a, queue[i].b); e.ok()) n += e->fields.size();
    n += c.view.persons.count(queue[i].entity_a) + c.view.persons.count(queue[i].entity_b);
  }
  return n;
}

std::vector<Route> Routes(const Subjects& s) {
  const std::string den = "premises:" + s.den;
  return {
      {"report", "/dash/api/report", {}, Needs::kView, ReportOn},
      {"coverage", "/dash/api/coverage", {}, Needs::kNothing, CoverageOn},
      {"dens", "/dash/api/dens", {}, Needs::kView, DensOn},
      {"den", "/dash/api/den", {{"key", s.den}}, Needs::kView, DenOn},
      {"suspects", "/dash/api/suspects", {}, Needs::kView, SuspectsOn},
      {"person", "/dash/api/person", {{"entity", s.suspect}}, Needs::kView, PersonOn},
      {"graph", "/dash/api/graph", {{"node", den}, {"depth", "2"}}, Needs::kView, GraphOn},
      {"review", "/dash/api/review", {}, Needs::kViewAndResolver, ReviewOn},
  };
}

// The next status a supervisor may set: round and round.
std::string NextStatus(const std::string& status) {
  if (status == "suspected") return "investigating";
  if (status == "investigating") return "raided";
  if (status == "raided") return "cleared";
  return "suspected";
}

struct Baseline {
  std::vector<double> load_ms;                   // CaseService::Load
  double resolver_ms = 0;                        // MergeService::Load
  std::map<std::string, double> compute_ms;      // route → median on the loaded view
  std::map<std::string, double> total_ms;        // route → loads it needs + compute
  double decision_ms = 0, decision_read_ms = 0;  // `dens set`: Load + Edit; then Load
  double peak_rss = 0;
  size_t persons = 0, suspects = 0, dens = 0, links = 0;  // of the loaded view
};

Result<Baseline> RunBaseline(hub::HubService* service, const ScreenOptions& o, Subjects* subjects) {
  Baseline b;
  Env* env = service->env();
  hub::CaseService cases(service->store(), env);
  SWEEP_ASSIGN_OR_RETURN(auto options, cases.Options());
  std::optional<hub::cases::CaseView> view;
  for (int i = 0; i < o.baseline_loads; ++i) {
    view.reset();  // never two at once
    Stopwatch w;
    SWEEP_ASSIGN_OR_RETURN(view, cases.Load());
    b.load_ms.push_back(Ms(w));
  }
  SWEEP_ASSIGN_OR_RETURN(*subjects, PickSubjects(*view, env));
  b.persons = view->persons.size();
  b.links = view->links.size();
  for (const auto& [e, p] : view->persons) b.suspects += p.suspect() ? 1 : 0;
  for (const auto& [k, p] : view->premises) b.dens += p.status != hub::cases::DenStatus::kNone;
  Stopwatch rw;
  SWEEP_ASSIGN_OR_RETURN(auto resolver, hub::MergeService(service->store(), env).Load());
  b.resolver_ms = Ms(rw);
  const Loaded loaded{service, *view, options, resolver, *subjects};
  volatile size_t sink = 0;
  for (const Route& r : Routes(*subjects)) {
    std::vector<double> ms;
    for (int i = 0; i < std::min(o.requests, kMaxComputeRuns); ++i) {
      Stopwatch w;
      SWEEP_ASSIGN_OR_RETURN(size_t n, r.compute(loaded));
      ms.push_back(Ms(w));
      sink = sink + n;
    }
    b.compute_ms[r.name] = Median(ms);
    b.total_ms[r.name] = Median(ms) + (r.needs != Needs::kNothing ? Median(b.load_ms) : 0) +
                         (r.needs == Needs::kViewAndResolver ? b.resolver_ms : 0);
  }
  if (o.decisions > 0 && !subjects->other_den.empty()) {  // `dens set` on the other den
    view.reset();
    Stopwatch w;
    SWEEP_ASSIGN_OR_RETURN(view, cases.Load());
    v1::CaseUpdate u;
    u.mutable_address()->set_normalized_key(subjects->other_den);
    u.set_den_status("investigating");
    u.set_reason("baseline: dens set");
    SWEEP_RETURN_IF_ERROR(cases.Edit(kSupervisor, u, false).status());  // its view: dropped
    b.decision_ms = Ms(w);
    view.reset();
    Stopwatch rw2;
    SWEEP_ASSIGN_OR_RETURN(view, cases.Load());
    b.decision_read_ms = Ms(rw2);
  }
  b.peak_rss = PeakRssMiB();
  return b;
}

// ------------------------------------------------------------------ HTTP

class DashClient {
 public:
  explicit DashClient(int port) : cli_("127.0.0.1", port) {
    cli_.set_keep_alive(true);
    cli_.set_tcp_nodelay(true);  // as browsers do: a request is not held back by Nagle
    cli_.set_read_timeout(std::chrono::seconds(600));
  }

  // Signs in as the supervisor; the time it took (ms).
  Result<double> SignIn() {
    std::string body;
    SWEEP_ASSIGN_OR_RETURN(double ms, Post("/dash/api/login",
                                           std::string(R"({"userId":")") + kSupervisor +
                                               R"(","password":")" + kSupervisorPassword + "\"}",
                                           &body));
    v1::DashSession session;
    if (!Parse(body, &session) || cookie_.empty()) {
      return Status::Internal("sign-in answered without a session: " + body.substr(0, 200));
    }
    headers_ = {{"Cookie", cookie_}, {"X-CSRF-Token", session.csrf()}};
    return ms;
  }
  Result<double> Get(const std::string& path, const httplib::Params& params, std::string* body) {
    Stopwatch w;
    auto r = cli_.Get(path, params, headers_);
    return Answer(r, w, "GET " + path, body);
  }
  Result<double> Post(const std::string& path, const std::string& json, std::string* body) {
    Stopwatch w;
    auto r = cli_.Post(path, headers_, json, "application/json");
    return Answer(r, w, "POST " + path, body);
  }
  static bool Parse(const std::string& json, google::protobuf::Message* m) {
    google::protobuf::util::JsonParseOptions o;
    o.ignore_unknown_fields = true;
    return google::protobuf::util::JsonStringToMessage(json, m, o).ok();
  }

 private:
  Result<double> Answer(const httplib::Result& r, const Stopwatch& w, const std::string& what,
                        std::string* body) {
    const double ms = Ms(w);
    if (!r) return Status::IOError(what + ": " + httplib::to_string(r.error()));
    if (r->status != 200) {
      return Status::Internal(what + " answered " + std::to_string(r->status) + ": " +
                              r->body.substr(0, 300));
    }
    const std::string set = r->get_header_value("Set-Cookie");
    if (!set.empty()) cookie_ = set.substr(0, set.find(';'));
    *body = r->body;
    return ms;
  }

  httplib::Client cli_;
  httplib::Headers headers_;
  std::string cookie_;
};

// The hub's server on a thread of its own, stopped on destruction.
class RunningServer {
 public:
  static Result<std::unique_ptr<RunningServer>> Start(hub::HubService* service) {
    hub::ServerOptions o;
    o.quiet = true;
    SWEEP_ASSIGN_OR_RETURN(auto server, hub::Server::Create(service, o));
    std::unique_ptr<RunningServer> out(new RunningServer(std::move(server)));
    httplib::Client probe("127.0.0.1", out->port());
    for (int i = 0; i < 500 && !probe.Get("/v1/health"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return out;
  }
  ~RunningServer() {
    server_->Stop();
    thread_.join();
  }
  int port() const { return server_->port(); }

 private:
  explicit RunningServer(std::unique_ptr<hub::Server> s)
      : server_(std::move(s)), thread_([this] { (void)server_->Run(); }) {}
  std::unique_ptr<hub::Server> server_;
  std::thread thread_;
};

struct OverHttp {
  double sign_in_ms = 0, first_ms = 0, first_review_ms = 0;
  double peak_rss = 0, peak_rss_decisions = 0;         // MiB: while reading, while deciding
  std::map<std::string, std::vector<double>> warm_ms;  // route → every warm request
  std::vector<double> decision_ms, next_read_ms, floor_ms;
};

Status Decide(DashClient* client, const Subjects& s, int decisions, OverHttp* out) {
  std::string body;
  const httplib::Params den{{"key", s.den}};
  SWEEP_ASSIGN_OR_RETURN(double ms, client->Get("/dash/api/den", den, &body));
  for (int i = 0; i < decisions; ++i) {
    v1::DashDen shown;
    if (!DashClient::Parse(body, &shown)) return Status::Internal("a den that does not parse");
    v1::DashDenStatusRequest change;
    change.set_key(s.den);
    change.set_to(NextStatus(shown.summary().status()));
    change.set_reason("dashboard_bench: decision " + std::to_string(i + 1));
    change.set_base_version(shown.summary().version());
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(change, &json);
    SWEEP_ASSIGN_OR_RETURN(ms, client->Post("/dash/api/den/status", json, &body));
    out->decision_ms.push_back(ms);
    SWEEP_ASSIGN_OR_RETURN(ms, client->Get("/dash/api/den", den, &body));
    out->next_read_ms.push_back(ms);
  }
  return Status::Ok();
}

Result<OverHttp> RunOverHttp(hub::HubService* service, const ScreenOptions& o, const Subjects& s) {
  OverHttp h;
  ResetPeakRss();
  SWEEP_ASSIGN_OR_RETURN(auto server, RunningServer::Start(service));
  DashClient client(server->port());
  SWEEP_ASSIGN_OR_RETURN(h.sign_in_ms, client.SignIn());
  std::string body;
  SWEEP_ASSIGN_OR_RETURN(h.first_ms, client.Get("/dash/api/report", {}, &body));
  SWEEP_ASSIGN_OR_RETURN(h.first_review_ms, client.Get("/dash/api/review", {}, &body));
  const std::vector<Route> routes = Routes(s);
  Progress progress("dashboard requests", static_cast<uint64_t>(o.requests));
  for (int i = 0; i < o.requests; ++i) {  // rounds: every route once, so drift hits all alike
    for (const Route& r : routes) {
      SWEEP_ASSIGN_OR_RETURN(double ms, client.Get(r.path, r.params, &body));
      h.warm_ms[r.name].push_back(ms);
    }
    // The floor: the session alone (no case view; the store reads the user),
    // three back to back, the last two counted.
    for (int k = 0; k < 3; ++k) {
      SWEEP_ASSIGN_OR_RETURN(double ms, client.Get("/dash/api/me", {}, &body));
      if (k > 0) h.floor_ms.push_back(ms);
    }
    progress.Update(static_cast<uint64_t>(i + 1));
  }
  h.peak_rss = PeakRssMiB();
  ResetPeakRss();
  SWEEP_RETURN_IF_ERROR(Decide(&client, s, o.decisions, &h));
  h.peak_rss_decisions = PeakRssMiB();
  return h;
}

void ReportStation(const StationFigures& f, Report* report) {
  report->Section("dashboard: simulated station of " + std::to_string(f.visits) + " visits");
  report->Add("dashboard.station.visits", static_cast<double>(f.visits), "visits", "visits stored");
  report->Add("dashboard.station.mentions", static_cast<double>(f.mentions), "mentions",
              "person mentions");
  report->Add("dashboard.station.buildings", static_cast<double>(f.buildings), "buildings",
              "buildings in the register");
  report->Add("dashboard.station.officers", static_cast<double>(f.officers), "officers",
              "officers (one tablet each)");
  report->Add("dashboard.station.review_pairs", static_cast<double>(f.review_pairs), "pairs",
              "merge review queue");
  report->Add("dashboard.setup.simulate_store_s", f.simulate_store_s, "s",
              "setup: simulate + store versions");
  report->Add("dashboard.setup.register_s", f.register_s, "s", "setup: register, beats");
  report->Add("dashboard.setup.ledger_s", f.ledger_s, "s", "setup: ledger catch-up");
  report->Add("dashboard.setup.merge_s", f.merge_s, "s", "setup: merge run");
  report->Add("dashboard.setup.peak_rss", PeakRssMiB(), "MiB", "peak RSS of the setup");
}

void ReportResults(const Baseline& b, const OverHttp& h, const ScreenOptions& o, Report* report) {
  const double load = Median(b.load_ms);
  report->Section("dashboard: baseline (in-process, no cache)");
  report->Add("dashboard.view.persons", static_cast<double>(b.persons), "persons", "persons");
  report->Add("dashboard.view.suspects", static_cast<double>(b.suspects), "persons", "suspects");
  report->Add("dashboard.view.dens", static_cast<double>(b.dens), "premises",
              "dens (status not none)");
  report->Add("dashboard.view.links", static_cast<double>(b.links), "links", "links");
  report->Add("dashboard.baseline.load_ms", load, "ms", "CaseService::Load, median");
  report->Add("dashboard.baseline.resolver_ms", b.resolver_ms, "ms", "MergeService::Load");
  for (const auto& [name, ms] : b.compute_ms) {
    report->Add("dashboard." + name + ".compute_ms", ms, "ms", name + ": on the loaded view");
  }
  report->Add("dashboard.baseline.peak_rss", b.peak_rss, "MiB", "peak RSS after the baseline");
  report->Section("dashboard over HTTP (" + std::to_string(o.requests) +
                  " warm requests a route) against the baseline");
  report->Add("dashboard.sign_in_ms", h.sign_in_ms, "ms", "sign-in (Argon2id)");
  report->Add("dashboard.cold.first_ms", h.first_ms, "ms", "first request: report, view loaded");
  report->Add("dashboard.cold.first_review_ms", h.first_review_ms, "ms",
              "first review page: resolver loaded");
  AddLatency(report, "dashboard.me", "GET me back to back (session only)", h.floor_ms);
  for (const auto& [name, ms] : h.warm_ms) {
    AddVersus(report, "dashboard." + name, name, ms, b.total_ms.at(name));
  }
  if (!h.decision_ms.empty()) {
    AddLatency(report, "dashboard.decision.post", "POST den/status", h.decision_ms);
    AddLatency(report, "dashboard.decision.next_read", "next GET den (reloads)", h.next_read_ms);
  }
  if (b.decision_ms > 0) {
    report->Add("dashboard.decision.baseline_ms", b.decision_ms, "ms",
                "baseline decision: Load + Edit (dens set)");
    report->Add("dashboard.decision.baseline_read_ms", b.decision_read_ms, "ms",
                "baseline read after it: Load");
  }
  report->Add("dashboard.http.peak_rss", h.peak_rss, "MiB",
              "peak RSS while serving reads (view, resolver)");
  report->Add("dashboard.decision.peak_rss", h.peak_rss_decisions, "MiB",
              "peak RSS during the decisions");
}

}  // namespace

Status RunDashboardPhase(const ScreenOptions& o, const std::string& dir, Report* report) {
  StationFigures figures;
  SWEEP_ASSIGN_OR_RETURN(auto service, BuildStation(o, dir, &figures));
  ReportStation(figures, report);
  ResetPeakRss();
  Subjects subjects;
  SWEEP_ASSIGN_OR_RETURN(Baseline baseline, RunBaseline(service.get(), o, &subjects));
  SWEEP_ASSIGN_OR_RETURN(OverHttp http, RunOverHttp(service.get(), o, subjects));
  ReportResults(baseline, http, o, report);
  return Status::Ok();
}

}  // namespace sweep::bench
