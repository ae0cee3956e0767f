#include "sweep/sync/roles.h"

#include <string>

namespace sweep::sync::roles {

bool IsRole(std::string_view role) {
  return role == kOfficer || role == kSupervisor || role == kRegulator || role == kAdmin;
}

Status MayRecord(std::string_view role, const v1::Record& record) {
  if (role == kRegulator && !record.has_office_sweep()) {
    return Status::Unauthorized(
        "a regulator's tablet records joint office sweeps only: rental checks and case "
        "updates are police records");
  }
  if (role == kOfficer && record.has_case_update()) {
    const v1::CaseUpdate& u = record.case_update();
    if (u.dispositions_size() > 0 || !u.involvement().empty()) {
      return Status::Unauthorized(
          "an officer's tablet may report a den's status but not decide dispositions or "
          "involvement: a supervisor decides those (on a supervisor's tablet or the dashboard)");
    }
  }
  if (!IsRole(role)) {
    return Status::Unauthorized("unknown role \"" + std::string(role) +
                                "\": re-enroll the tablet with a code for officer, supervisor, "
                                "regulator or admin");
  }
  return Status::Ok();
}

}  // namespace sweep::sync::roles
