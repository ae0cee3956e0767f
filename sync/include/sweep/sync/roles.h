// Roles (docs/security.md "Who may do what"): what a tablet enrolled with a
// role may record. Both the tablet (before it saves) and the hub (before it
// stores a pushed version) apply the same rule, so a well-behaved tablet
// never builds a chain the hub would refuse.
#pragma once

#include <string_view>

#include "sweep/schema/status.h"
#include "sweep/v1/record.pb.h"

namespace sweep::sync::roles {

inline constexpr std::string_view kOfficer = "officer";
inline constexpr std::string_view kSupervisor = "supervisor";
inline constexpr std::string_view kRegulator = "regulator";
inline constexpr std::string_view kAdmin = "admin";

bool IsRole(std::string_view role);

// Ok when a device of `role` may record `record`; Unauthorized naming the
// rule otherwise:
//   regulator   office sweeps only (no rental check: residents are police
//               data; no case update: dens and suspects are police cases);
//   officer     no case update that sets dispositions or involvement (a
//               supervisor decides those; den status may be reported);
//   supervisor, admin: anything.
Status MayRecord(std::string_view role, const v1::Record& record);

}  // namespace sweep::sync::roles
