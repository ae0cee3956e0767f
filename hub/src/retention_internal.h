// Private to the hub's retention (retention.cc, retention_select.cc): what
// the selection found, handed to the purge. docs/hub-storage.md "Retention"
// states the rules this implements.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sweep/hub/hub_store.h"
#include "sweep/hub/retention.h"

namespace sweep::hub {

// A record residents_no_finding purges.
struct RetentionCandidate {
  std::string record_id;
  uint64_t versions = 0;  // stored versions when selected
  uint64_t mentions = 0;  // person mentions the merge holds for it
};

struct RetentionScan {
  int64_t now_ms = 0;
  RetentionCounts residents, photos;  // the plan: what is due, and what was kept and why
  // residents_no_finding: records oldest first, and the photos that go with
  // them, each with the index in `purge` of the last record naming it (it
  // goes in that record's batch, so an interrupted run leaves none behind).
  std::vector<RetentionCandidate> purge;
  std::map<std::string, size_t> purge_files;
  // photos_no_finding: the photos due (present at the hub).
  std::vector<std::string> photo_files;
  uint64_t unmerged = 0;
  MergeState merge;  // as read for the selection; the purge's resolver starts from it
};

// The photos a record version names (attachments and indicator evidence,
// of any body).
std::vector<std::string> RecordFiles(const v1::Record& record);

// Whether a rental check version holds a finding: an indicator present, a
// disposition, a follow-up needed, or a watchlist hit.
bool RentalFinding(const v1::Record& record);

// "YYYY-MM-DDTHH:MM:SSZ" of a time in milliseconds since the epoch.
std::string UtcTime(int64_t ms);

}  // namespace sweep::hub
