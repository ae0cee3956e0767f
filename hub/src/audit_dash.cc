// The dashboard's audit calls (audit_dash.h).
#include "audit_dash.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

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

DashResponse Denied(Ctx& c, DashResponse refusal, const std::string& route) {
  // Named as the route would have named it when answered.
  std::string key = Param(c.req, "key"), person = Param(c.req, "entity"),
              node = Param(c.req, "node"), photo = Param(c.req, "sha256");
  if (c.req.method == "POST") {  // a decision: what its body names
    google::protobuf::Struct body;
    if (google::protobuf::util::JsonStringToMessage(c.req.body, &body).ok()) {
      auto field = [&](const char* name) {
        auto it = body.fields().find(name);
        return it == body.fields().end() ? std::string() : it->second.string_value();
      };
      key = field("key");
      person = field("entity");
      if (person.empty()) person = field("a");
    }
  }
  std::string entity = "route:" + route;
  if (!key.empty()) entity = "premises:" + key;
  if (!person.empty()) entity = "person:" + person;
  if (!node.empty()) entity = node.find(':') == std::string::npos ? "node:" + node : node;
  if (!photo.empty()) entity = "photo:" + photo;
  Status st = AuditLog(c.service->store(), c.service->env())
                  .Append(ActorOf(c.session), "denied", entity,
                          AuditDetail({{"route", route}, {"agency", c.session.agency}}));
  if (!st.ok()) return FromStatus(st.WithContext("audit log: a refusal could not be logged"));
  return refusal;
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
