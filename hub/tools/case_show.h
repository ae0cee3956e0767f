// Private to sweep-hub: the read-only case file commands (list, show,
// conflicts, graph) and how a command names its subject. Used by
// case_commands.cc; prints Chinese by default, English with --lang en, JSON
// lines with --json.
#pragma once

#include <string>

#include "commands.h"
#include "sweep/hub/casefile.h"

namespace sweep::hubcli {

// The premises named by its key or by an address (normalised with the
// ledger's default division). NotFound in words.
Result<const hub::cases::Premises*> FindPremises(const hub::cases::CaseView& view,
                                                 const hub::cases::CaseOptions& options,
                                                 const std::string& key_or_address);
// The person named by entity id or by resident ID number. NotFound in words.
Result<const hub::cases::PersonCase*> FindPerson(const hub::cases::CaseView& view,
                                                 const std::string& entity_or_id);

Status CmdDensList(const Ctx& c, const std::string& status);
Status CmdDensShow(const Ctx& c, const std::string& subject);
Status CmdSuspectsList(const Ctx& c, const std::string& disposition);
Status CmdSuspectsShow(const Ctx& c, const std::string& subject);
// Every company when `code` is empty, else that one.
Status CmdCompanies(const Ctx& c, const std::string& code);
Status CmdConflictsList(const Ctx& c);
Status CmdGraph(const Ctx& c, const std::string& node, int depth, const std::string& format);

}  // namespace sweep::hubcli
