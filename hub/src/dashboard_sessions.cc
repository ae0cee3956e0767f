// The dashboard's sessions, JSON answers and errors, and who may call what
// (dashboard_internal.h).
#include <sodium.h>

#include <array>

#include "dashboard_internal.h"

namespace sweep::hub::dash {

// ------------------------------------------------------------------ answers

DashResponse Json(const google::protobuf::Message& m) {
  DashResponse r;
  r.body = sync::web::ApiJson(m);
  return r;
}

DashResponse Error(int http, const std::string& code, const std::string& message, int64_t wait_ms) {
  v1::DashError e;
  e.set_code(code);
  e.set_message(message);
  e.set_wait_ms(wait_ms);
  DashResponse r = Json(e);
  r.status = http;
  r.error_code = code;
  return r;
}

DashResponse FromStatus(const Status& st) {
  switch (st.code()) {
    case Code::kInvalidArgument:
      return Error(400, "bad_request", st.message());
    case Code::kNotFound:
      return Error(404, "not_found", st.message());
    case Code::kConflict:
    case Code::kAlreadyExists:
      return Error(409, "conflict", st.message());
    case Code::kUnauthorized:
      return Error(401, "unauthenticated", st.message());
    case Code::kUnavailable:
      return Error(503, "internal",
                   "the hub is busy: try again in a moment (" + st.message() + ")");
    default:
      return Error(500, "internal", st.ToString());
  }
}

bool ParseBody(const DashRequest& req, google::protobuf::Message* m, DashResponse* out) {
  std::string why;
  if (sync::web::ParseApiJson(req.body, m, &why)) return true;
  *out = Error(400, "bad_request",
               "the body must be " + m->GetDescriptor()->name() +
                   " as JSON (field names as in docs/api.md, e.g. {\"key\": \"…\"}): " +
                   why);
  return false;
}

std::string Param(const DashRequest& req, const std::string& name) {
  auto it = req.query.find(name);
  return it == req.query.end() ? std::string() : it->second;
}

DashResponse BadField(const std::string& field, const std::string& fix) {
  return Error(400, "bad_request", field + ": " + fix);
}

// ------------------------------------------------------------------ rights

bool Allowed(std::string_view role, Right right) {
  const bool staff = role == "supervisor" || role == "admin";
  switch (right) {
    case Right::kOverview:
    case Right::kInspections:
      return staff || role == "regulator";
    case Right::kCases:
    case Right::kDecide:
    case Right::kDevices:
      return staff;
  }
  return false;
}

// ------------------------------------------------------------------ sessions

std::string Sessions::KeyOf(const std::string& token) {
  std::array<unsigned char, 32> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), h.data(), h.size());
  return std::string(hex.data());
}

std::string Sessions::RandomHex() {
  std::array<unsigned char, 32> raw{};
  env_->RandomBytes(raw.data(), raw.size());
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), raw.data(), raw.size());
  sodium_memzero(raw.data(), raw.size());
  std::string out(hex.data());
  sodium_memzero(hex.data(), hex.size());
  return out;
}

std::pair<std::string, Session> Sessions::Start(const UserRow& user) {
  Session s;
  s.user_id = user.user_id;
  s.name = user.name;
  s.role = user.role;
  s.agency = user.agency;
  s.csrf = RandomHex();
  s.created_ms = s.last_ms = env_->NowMillis();
  std::string token = RandomHex();
  std::lock_guard lock(mu_);
  // Expired sessions go when anyone signs in, so the map stays small.
  for (auto it = by_key_.begin(); it != by_key_.end();) {
    const Session& o = it->second;
    bool expired = s.last_ms >= o.last_ms + idle_ms_ || s.last_ms >= o.created_ms + absolute_ms_;
    it = expired ? by_key_.erase(it) : std::next(it);
  }
  by_key_[KeyOf(token)] = s;
  return {std::move(token), std::move(s)};
}

std::optional<Session> Sessions::Touch(const std::string& token) {
  if (token.empty()) return std::nullopt;
  const std::string key = KeyOf(token);
  const int64_t now = env_->NowMillis();
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return std::nullopt;
  Session& s = it->second;
  if (now >= s.last_ms + idle_ms_ || now >= s.created_ms + absolute_ms_) {
    by_key_.erase(it);
    return std::nullopt;
  }
  s.last_ms = now;
  return s;
}

void Sessions::End(const std::string& token) {
  std::lock_guard lock(mu_);
  by_key_.erase(KeyOf(token));
}

void Sessions::EndUser(const std::string& user_id) {
  std::lock_guard lock(mu_);
  std::erase_if(by_key_, [&](const auto& kv) { return kv.second.user_id == user_id; });
}

v1::DashSession Sessions::Describe(const Session& s) const {
  v1::DashSession out;
  out.set_user_id(s.user_id);
  out.set_name(s.name);
  out.set_role(s.role);
  out.set_agency(s.agency);
  out.set_csrf(s.csrf);
  out.set_expires_ms(std::min(s.last_ms + idle_ms_, s.created_ms + absolute_ms_));
  out.set_hard_expires_ms(s.created_ms + absolute_ms_);
  return out;
}

std::string SessionCookie(const std::string& header) {
  constexpr std::string_view kName = "sweep_session=";
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string_view part(header.data() + pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.starts_with(kName)) return std::string(part.substr(kName.size()));
    pos = end + 1;
  }
  return "";
}

}  // namespace sweep::hub::dash
