// Private: how the dashboard's routes leave their audit entry (audit.h).
// One call per route, on its answer: a route's answer is served only once
// its entry is stored (fail closed: 500 if the log cannot be written), and
// only answers that served something (200) are logged.
#pragma once

#include <string>
#include <string_view>

#include "dashboard_internal.h"
#include "sweep/hub/audit.h"

namespace sweep::hub::dash {

// The signed-in user at the dashboard (device "hub").
AuditActor ActorOf(const Session& session);
// `out` when it is not a 200 or its entry was appended; else a 500.
DashResponse Audited(Ctx& c, DashResponse out, std::string_view action, const std::string& entity,
                     const std::string& detail = "{}");
// A refused request (403 forbidden: the role may not use `route`), as
// action "denied" on what was asked for: the entity the request named
// (person:…, premises:…) or "route:<route>". Fail closed: when the entry
// cannot be stored the answer is a 500, never the data.
DashResponse Denied(Ctx& c, DashResponse refusal, const std::string& route);
// Sign-in: "sign_in" (`role` known) or "sign_in_failed" with why. A failed
// append fails a successful sign-in; a failure's entry is best effort.
Status AuditSignIn(HubService* service, const std::string& user_id, const std::string& role,
                   std::string_view why);

}  // namespace sweep::hub::dash
