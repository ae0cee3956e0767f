// Private to the hub: brings what the feed tells each officer (assignment,
// unit and revisit items) and every tablet (the ledger config) in line with
// the register and the ledger, by comparing what should be said with what
// was last said (feed_state) and appending only the difference. Idempotent:
// running it twice appends nothing the second time. Each officer's items
// are published in one PublishFeed call guarded by the publication revision,
// so a concurrent register change or ledger step makes it start that officer
// again instead of publishing a stale view. Thread-compatible.
#pragma once

#include <cstddef>
#include <set>
#include <string>

#include "register_rules.h"
#include "sweep/hub/hub_store.h"

namespace sweep::hub::internal {

struct PublishStats {
  size_t items = 0;       // new or changed items appended
  size_t tombstones = 0;  // removals appended
  PublishStats& operator+=(const PublishStats& o) {
    items += o.items;
    tombstones += o.tombstones;
    return *this;
  }
};

class FeedPublisher {
 public:
  explicit FeedPublisher(HubStore* store) : store_(store) {}

  // The config item (once `ledger config` stored one) and every officer
  // who is assigned a beat or was sent assignments before.
  Result<PublishStats> PublishAll();
  Result<PublishStats> PublishOfficers(const std::set<std::string>& officers);
  Result<PublishStats> PublishConfig();

  // What `officer` should hold: assignments of the buildings of their beats,
  // and the ledger's unit and revisit items of those buildings.
  Result<DesiredFeed> DesiredFor(const std::vector<BeatRow>& beats, const std::string& officer);

 private:
  Result<PublishStats> PublishOfficer(const std::string& officer);
  HubStore* store_;
};

}  // namespace sweep::hub::internal
