// Dashboard: routing, the checks every request passes (size, Origin,
// Content-Type, session, CSRF, role), sign-in and the page's files
// (dashboard.h; the routes themselves are in dashboard_*.cc).
#include "sweep/hub/dashboard.h"

#include <sodium.h>

#include "audit_dash.h"
#include "dashboard_internal.h"
#include "sweep/hub/dashboard_users.h"

namespace sweep::hub {

using dash::Ctx;
using dash::Error;
using dash::Right;

namespace {

constexpr const char* kApi = "/dash/api/";

struct Route {
  const char* method;
  const char* path;  // after /dash/api/
  Right right;
  DashResponse (*call)(Ctx&);
};

constexpr Route kRoutes[] = {
    {"GET", "report", Right::kOverview, dash::Report},
    {"GET", "coverage", Right::kOverview, dash::Coverage},
    {"GET", "building", Right::kOverview, dash::Building},
    {"GET", "codes", Right::kOverview, dash::Codes},
    {"GET", "dens", Right::kCases, dash::Dens},
    {"GET", "den", Right::kCases, dash::Den},
    {"GET", "suspects", Right::kCases, dash::Suspects},
    {"GET", "person", Right::kCases, dash::Person},
    {"GET", "graph", Right::kCases, dash::Graph},
    {"GET", "photo", Right::kCases, dash::Photo},
    {"GET", "review", Right::kCases, dash::Review},
    {"GET", "devices", Right::kDevices, dash::Devices},
    {"POST", "den/status", Right::kDecide, dash::DenStatus},
    {"POST", "person/disposition", Right::kDecide, dash::Disposition},
    {"POST", "review/decide", Right::kDecide, dash::Decide},
    {"POST", "devices/enroll", Right::kDevices, dash::Enroll},
    {"POST", "devices/revoke", Right::kDevices, dash::Revoke},
    {"GET", "inspections", Right::kInspections, dash::Inspections},
    {"GET", "export", Right::kInspections, dash::Export},
};

bool SameSecret(const std::string& a, const std::string& b) {
  return !a.empty() && a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

DashResponse Redirect(const std::string& to) {
  DashResponse r;
  r.status = 302;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "see " + to;
  r.headers.emplace_back("Location", to);
  return r;
}

}  // namespace

struct Dashboard::Impl {
  HubService* service;
  DashboardOptions options;
  Accounts accounts;
  dash::Sessions sessions;
  dash::CaseCache cache;

  Impl(HubService* s, DashboardOptions o)
      : service(s),
        options(std::move(o)),
        accounts(s->store(), s->env()),
        sessions(s->env(), options.idle_ms, options.absolute_ms),
        cache(s, options.recheck_ms) {
    accounts.Prepare();
  }

  std::string Cookie(const std::string& value, bool clear) const {
    std::string c = "sweep_session=" + value + "; HttpOnly; SameSite=Strict; Path=/dash";
    if (clear) c += "; Max-Age=0";
    if (options.tls) c += "; Secure";
    return c;
  }

  // The origin a POST must come from: the configured one, else this request's own.
  std::string Origin(const DashRequest& req) const {
    if (!options.origin.empty()) return options.origin;
    return std::string(options.tls ? "https://" : "http://") + req.host;
  }

  DashResponse Page(const DashRequest& req) {
    if (req.method != "GET") return Error(405, "bad_request", "the page's files are read with GET");
    if (req.path == "/" || req.path == "/dash") return Redirect("/dash/");
    std::string file = req.path.substr(5);  // after "/dash"
    if (file == "/") file = "/index.html";
    if (const auto* f = sync::web::FindEmbedded(kEmbeddedFiles, kEmbeddedFileCount, file)) {
      DashResponse r;
      r.content_type = sync::web::ContentTypeOf(file);
      r.body.assign(reinterpret_cast<const char*>(f->data), f->size);
      return r;
    }
    return Error(404, "not_found", "no such page: " + req.path + " (the dashboard is at /dash/)");
  }

  DashResponse Login(const DashRequest& req) {
    v1::DashLoginRequest in;
    DashResponse out;
    if (!dash::ParseBody(req, &in, &out)) return out;
    struct Wipe {
      v1::DashLoginRequest* m;
      ~Wipe() { sodium_memzero(m->mutable_password()->data(), m->password().size()); }
    } wipe{&in};
    if (in.user_id().empty()) return dash::BadField("userId", "give your user id");
    if (in.password().empty()) return dash::BadField("password", "give your password");
    int64_t wait_ms = 0;
    auto user = accounts.SignIn(in.user_id(), in.password(), &wait_ms);
    if (!user.ok()) {
      const Status& st = user.status();
      if (st.code() == Code::kLocked || st.code() == Code::kUnauthorized) {
        const bool locked = st.code() == Code::kLocked;
        (void)dash::AuditSignIn(service, in.user_id(), "", locked ? "wait" : "wrong_password");
      }
      if (st.code() == Code::kLocked) return Error(429, "wait", st.message(), wait_ms);
      if (st.code() == Code::kUnauthorized)
        return Error(401, "wrong_password", st.message(), wait_ms);
      if (st.code() == Code::kInvalidArgument) return dash::BadField("password", st.message());
      return dash::FromStatus(st);
    }
    if (user->disabled) {
      (void)dash::AuditSignIn(service, user->user_id, user->role, "disabled");
      return Error(403, "forbidden", "this account is disabled: ask the station's admin");
    }
    if (Status st = dash::AuditSignIn(service, user->user_id, user->role, ""); !st.ok()) {
      return dash::FromStatus(st.WithContext("audit log: not signed in"));
    }
    auto [token, session] = sessions.Start(*user);
    out = dash::Json(sessions.Describe(session));
    out.headers.emplace_back("Set-Cookie", Cookie(token, false));
    out.user_id = session.user_id;
    return out;
  }

  // Size, Origin and Content-Type: before anything is read. "" when fine.
  std::optional<DashResponse> Refusal(const DashRequest& req) const {
    if (req.body.size() > options.max_body) {
      return Error(413, "bad_request",
                   "the body is larger than " + std::to_string(options.max_body / 1024) + " KiB");
    }
    if (req.method != "POST") return std::nullopt;
    if (!req.origin.empty() && req.origin != Origin(req)) {
      return Error(403, "forbidden",
                   "requests from another site are refused (Origin " + req.origin + ")");
    }
    if (!req.content_type.starts_with("application/json")) {
      return Error(415, "bad_request", "Content-Type: POST bodies must be application/json");
    }
    return std::nullopt;
  }

  DashResponse Api(const DashRequest& req) {
    if (auto refusal = Refusal(req)) return *refusal;
    for (const auto& [name, value] : req.query) {
      if (!sync::web::IsUtf8(name)) {
        return Error(400, "bad_request", "a query parameter's name is not UTF-8 text");
      }
      if (!sync::web::IsUtf8(value)) {
        return dash::BadField(name, "is not UTF-8 text: send it percent-encoded UTF-8");
      }
    }
    if (!sync::web::IsUtf8(req.body)) {
      return Error(400, "bad_request", "the body is not UTF-8 text: send JSON in UTF-8");
    }
    const std::string route = req.path.substr(std::string_view(kApi).size());
    if (route == "login") {
      if (req.method != "POST") return Error(405, "bad_request", "sign in with POST");
      return Login(req);
    }
    const std::string token = dash::SessionCookie(req.cookie);
    std::optional<dash::Session> session = sessions.Touch(token);
    if (!session)
      return Error(401, "unauthenticated", "not signed in, or the session ended: sign in");
    auto user = service->store()->GetUser(session->user_id);
    if (!user.ok() || user->disabled) {
      sessions.EndUser(session->user_id);
      return Error(401, "unauthenticated", "the account was disabled or removed");
    }
    if (user->role != session->role || user->agency != session->agency) {
      sessions.EndUser(session->user_id);
      return Error(401, "unauthenticated", "the account's role changed: sign in again");
    }
    if (req.method == "POST" && !SameSecret(req.csrf_token, session->csrf)) {
      return Error(403, "csrf",
                   "missing or wrong X-CSRF-Token: reload the page (it takes the token from "
                   "/dash/api/me)");
    }
    DashResponse out = Dispatch(req, route, *session);
    out.user_id = session->user_id;
    return out;
  }

  DashResponse Dispatch(const DashRequest& req, const std::string& route,
                        const dash::Session& session) {
    if (route == "me" && req.method == "GET") return dash::Json(sessions.Describe(session));
    if (route == "logout" && req.method == "POST") {
      sessions.End(dash::SessionCookie(req.cookie));
      v1::DashOk ok;
      ok.set_ok(true);
      DashResponse out = dash::Json(ok);
      out.headers.emplace_back("Set-Cookie", Cookie("", true));
      return out;
    }
    for (const Route& r : kRoutes) {
      if (route != r.path) continue;
      if (req.method != r.method) {
        return Error(405, "bad_request", "use " + std::string(r.method) + " for " + req.path);
      }
      DashResponse log;
      Ctx c{service, &cache, session, req, &log};
      if (!dash::Allowed(session.role, r.right)) {
        return dash::Denied(
            c, Error(403, "forbidden", "your role (" + session.role + ") may not use " + req.path),
            route);
      }
      DashResponse out = r.call(c);
      out.load_ms = log.load_ms;
      return out;
    }
    return Error(404, "not_found", "no such API route: " + req.path + " (see docs/api.md)");
  }
};

Dashboard::Dashboard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Dashboard::~Dashboard() = default;

Result<std::unique_ptr<Dashboard>> Dashboard::Create(HubService* service,
                                                     DashboardOptions options) {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  if (options.idle_ms <= 0 || options.absolute_ms <= 0 || options.max_body == 0) {
    return Status::InvalidArgument("dashboard: session times and the body limit must be > 0");
  }
  return std::unique_ptr<Dashboard>(
      new Dashboard(std::make_unique<Impl>(service, std::move(options))));
}

bool Dashboard::Serves(std::string_view path) {
  return path == "/" || path == "/dash" || path.starts_with("/dash/");
}

DashResponse Dashboard::Handle(const DashRequest& req) {
  DashResponse out = req.path.starts_with(kApi) ? impl_->Api(req) : impl_->Page(req);
  for (const auto& header : sync::web::SecurityHeaders()) out.headers.push_back(header);
  return out;
}

}  // namespace sweep::hub
