// Private to the dashboard (dashboard.h): what its files share.
//   dashboard.cc            routing, the checks every request passes, the page
//   dashboard_sessions.cc   sessions, the JSON and error helpers, who may call what
//   dashboard_cache.cc      the case view and the merge's resolver, kept between requests
//   dashboard_views.cc      report, coverage, building grid, codes, devices, photos
//   dashboard_cases.cc      dens, suspects, persons, graph
//   dashboard_decisions.cc  den status, dispositions, review queue and decisions,
//                           device enrolment and revocation
// Every route is a function of a Ctx, thin: parse, call a service, map.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "sweep/hub/case_service.h"
#include "sweep/hub/casefile.h"
#include "sweep/hub/dashboard.h"
#include "sweep/hub/resolver.h"
#include "sweep/sync/web.h"
#include "sweep/v1/dashboard.pb.h"

namespace sweep::hub {

// The page's files compiled into the binary (cmake/embed.cmake).
extern const sync::web::EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

namespace dash {

// ---- answers

DashResponse Json(const google::protobuf::Message& m);
DashResponse Error(int http, const std::string& code, const std::string& message,
                   int64_t wait_ms = 0);
// The one mapping from a Status to an HTTP status and DashError code.
DashResponse FromStatus(const Status& status);
// Parses a POST body into `m` (unknown fields refused). False with *out set
// to a 400 naming what is wrong.
bool ParseBody(const DashRequest& req, google::protobuf::Message* m, DashResponse* out);
// The query parameter (empty when absent).
std::string Param(const DashRequest& req, const std::string& name);
// 400 bad_request naming `field` and how to fix it.
DashResponse BadField(const std::string& field, const std::string& fix);

// ---- who may call what (issue 7 refines; the only place roles are checked)

enum class Right {
  kOverview,  // report, coverage, building grid, codes: every role
  kCases,     // dens, persons, suspects, graph, review, photos: supervisor, admin
  kDecide,    // den status, dispositions, review decisions: supervisor, admin
  kDevices,   // devices list, enroll, revoke: supervisor, admin
  kInspections,  // joint inspections and their export: every role (a
                 // regulator its own agency's only)
};
bool Allowed(std::string_view role, Right right);

// ---- sessions

struct Session {
  std::string user_id, name, role, agency;
  std::string csrf;  // 32 random bytes, hex
  int64_t created_ms = 0, last_ms = 0;
};

// Sessions in memory, keyed by BLAKE2b of the cookie token, so that the map
// holds no usable cookie. Thread-safe.
class Sessions {
 public:
  Sessions(Env* env, int64_t idle_ms, int64_t absolute_ms)
      : env_(env), idle_ms_(idle_ms), absolute_ms_(absolute_ms) {}
  // A new session for `user`: the cookie token (hex) and the session.
  std::pair<std::string, Session> Start(const UserRow& user);
  // The session of `token`, its idle expiry moved on; nullopt when unknown
  // or expired (an expired one is dropped).
  std::optional<Session> Touch(const std::string& token);
  void End(const std::string& token);
  void EndUser(const std::string& user_id);
  v1::DashSession Describe(const Session& s) const;

 private:
  static std::string KeyOf(const std::string& token);
  std::string RandomHex();

  Env* env_;
  int64_t idle_ms_, absolute_ms_;
  std::mutex mu_;
  std::map<std::string, Session> by_key_;
};

// The session token of a Cookie header ("" when none).
std::string SessionCookie(const std::string& cookie_header);

// ---- the case view and the resolver, kept between requests

class CaseCache {
 public:
  CaseCache(HubService* service, int64_t recheck_ms) : service_(service), recheck_ms_(recheck_ms) {}
  // The case view as the store holds it now: reloaded when the store's
  // versions, merge revision, edits or disposition codes changed. *load_ms
  // is set (≥ 0) when this call loaded it.
  Result<std::shared_ptr<const cases::CaseView>> View(int64_t* load_ms);
  Result<cases::CaseOptions> Options();
  // The merge's resolver (for the review queue's evidence), reloaded when
  // the merge revision moved.
  Result<std::shared_ptr<const resolve::Resolver>> Resolver();
  void Invalidate();  // after a decision of ours
  // Photos shown in a den's detail, by sha256 (the photo route serves only these).
  void NotePhotos(const std::set<std::string>& sha256);
  bool KnownPhoto(const std::string& sha256);

 private:
  struct Signature {
    uint64_t versions = 0, merge_revision = 0, edits = 0;
    std::string dispositions;
    bool operator==(const Signature&) const = default;
  };
  Result<Signature> Current();

  HubService* service_;
  int64_t recheck_ms_;
  std::mutex mu_;  // guards everything below; held while loading
  std::shared_ptr<const cases::CaseView> view_;
  Signature signature_;
  int64_t checked_ms_ = 0;
  std::shared_ptr<const resolve::Resolver> resolver_;
  uint64_t resolver_revision_ = 0;
  std::set<std::string> photos_;
};

// ---- routes

struct Ctx {
  HubService* service;
  CaseCache* cache;
  const Session& session;
  const DashRequest& req;
  DashResponse* log;  // load_ms

  // The current case view; on failure *err is set.
  std::shared_ptr<const cases::CaseView> View(DashResponse* err) const;
};

DashResponse Report(Ctx& c);
DashResponse Coverage(Ctx& c);
DashResponse Building(Ctx& c);
DashResponse Codes(Ctx& c);
DashResponse Devices(Ctx& c);
DashResponse Dens(Ctx& c);
DashResponse Den(Ctx& c);
DashResponse Suspects(Ctx& c);
DashResponse Person(Ctx& c);
DashResponse Graph(Ctx& c);
DashResponse Photo(Ctx& c);
DashResponse Review(Ctx& c);
DashResponse Decide(Ctx& c);
DashResponse DenStatus(Ctx& c);
DashResponse Disposition(Ctx& c);
DashResponse Enroll(Ctx& c);
DashResponse Revoke(Ctx& c);
DashResponse Inspections(Ctx& c);
DashResponse Export(Ctx& c);

// A person's summary as lists show it (`role`: in a den's detail).
v1::DashDenSummary DenSummaryOf(const cases::CaseView& view, const cases::Premises& p);
v1::DashPersonSummary SummaryOf(const cases::PersonCase& p, const std::string& role = "");
void SetSource(const cases::Source& s, v1::DashSource* out);
void SetLink(const cases::Link& l, v1::DashLink* out);

}  // namespace dash
}  // namespace sweep::hub
