// The case file on the hub's storage (issue 5, docs/cases.md): loads a
// cases::CaseView from what the hub stored (every ingested record version,
// the merge's entity of every person mention, the supervisors' edits), stores
// supervisors' edits after checking them, keeps the configurable disposition
// codes and publishes the watchlist derived from the suspects into the
// tablets' feed. No SQL here: everything goes through HubStore.
//
// Thread-compatible; several CaseService objects (or processes) may work on
// one store: an edit stores its base version, so two supervisors changing the
// same den at once end as a flagged conflict, not as a lost update.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sweep/hub/casefile.h"
#include "sweep/hub/hub_store.h"
#include "sweep/schema/env.h"
#include "sweep/schema/status.h"

namespace sweep::hub {

// Setting key of the disposition codes (a JSON array of objects with code,
// zh, en, scope, watch); absent: cases::DefaultDispositionCodes().
inline constexpr const char* kDispositionSetting = "cases.dispositions";

struct WatchlistPublishStats {
  uint64_t entries = 0;  // derived entries now in the watchlist
  uint64_t added = 0;    // feed items appended (new or changed level/note)
  uint64_t removed = 0;  // tombstones appended
};

class CaseService {
 public:
  CaseService(HubStore* store, Env* env);

  // Disposition codes (stored setting, else the defaults) and the default
  // division of the ledger config.
  Result<cases::CaseOptions> Options();
  Status SetDispositionCodes(const std::vector<cases::DispositionCode>& codes);

  // The whole case file as the store holds it now. `progress` (may be
  // empty) is called with the versions read so far.
  Result<cases::CaseView> Load(const std::function<void(uint64_t)>& progress = {});

  // Checks `update` against the current view (cases::CheckEdit), fills in
  // subject_version (the subject's current version) unless `base_given`,
  // and stores it as a hub edit by `by`. Returns the view after the edit.
  Result<cases::CaseView> Edit(const std::string& by, v1::CaseUpdate update, bool base_given);

  // Brings the feed's derived watchlist entries (kind "watchlist", audience
  // "all") in line with cases::WatchlistOf(view): appends the entries that
  // are new or changed and tombstones for those no longer derived. Entries
  // added by hand (`sweep-hub watchlist add`) are left alone.
  Result<WatchlistPublishStats> PublishWatchlist(const cases::CaseView& view);
  // Load() then PublishWatchlist(): what `merge` and `serve` call after a
  // merge run changed the persons.
  Result<WatchlistPublishStats> RepublishWatchlist();

 private:
  // A CaseFile fed with everything stored; `*unreadable` counts versions
  // that did not parse.
  Result<cases::CaseFile> LoadFile(const cases::CaseOptions& options,
                                   const std::function<void(uint64_t)>& progress,
                                   uint64_t* unreadable);
  // One publication attempt of the derived items (by key); Conflict if a
  // watchlist key changed meanwhile.
  Result<WatchlistPublishStats> TryPublish(const std::map<std::string, FeedItemRow>& want);

  HubStore* store_;
  Env* env_;
};

}  // namespace sweep::hub
