// The dashboard's audit calls (audit_dash.h).
#include "audit_dash.h"

namespace sweep::hub::dash {

AuditActor ActorOf(const Session& session) { return {session.user_id, session.role, "hub"}; }

DashResponse Audited(Ctx& c, DashResponse out, std::string_view action, const std::string& entity,
                     const std::string& detail) {
  if (out.status != 200) return out;
  Status st = AuditLog(c.service->store(), c.service->env())
                  .Append(ActorOf(c.session), action, entity, detail);
  if (!st.ok()) return FromStatus(st.WithContext("audit log: nothing served"));
  return out;
}

Status AuditSignIn(HubService* service, const std::string& user_id, const std::string& role,
                   std::string_view why) {
  // An unknown id is logged as given, cut to the longest id an account may have.
  const std::string id = user_id.substr(0, 64);
  AuditLog log(service->store(), service->env());
  if (why.empty()) return log.Append({id, role, "hub"}, "sign_in", "user:" + id);
  return log.Append({id, role, "hub"}, "sign_in_failed", "user:" + id,
                    AuditDetail({{"why", std::string(why)}}));
}

}  // namespace sweep::hub::dash
