// The agencies' section keys at the hub (sync/sections.h, docs/protocol.md
// "Agency sections"): derived from the hub's box key, so the hub opens every
// section and hands each agency's tablets their own key at enrollment.
//
// Ownership: holds the derived secret keys in guarded memory, wiped on
// destruction. Thread-safe for concurrent readers after construction.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "sweep/hub/hub_store.h"
#include "sweep/sync/crypto.h"
#include "sweep/sync/sections.h"

namespace sweep::hub {

class AgencyKeys {
 public:
  AgencyKeys() = default;
  // Every agency's pair from the hub's box secret key.
  static AgencyKeys Derive(const crypto::SecretBuffer& hub_box_sk);
  // From the hub keys in `store`; NotFound when the hub has none yet (it
  // makes them the first time `sweep-hub` opens the file as a service).
  static Result<AgencyKeys> Load(HubStore* store);

  sync::sections::PublicKeys Public() const;
  sync::sections::SecretKeys Secret() const;
  // Null for a name that is not an agency.
  const crypto::BoxKeyPair* Of(std::string_view agency) const;
  bool empty() const { return pairs_.empty(); }

 private:
  std::map<std::string, crypto::BoxKeyPair, std::less<>> pairs_;
};

}  // namespace sweep::hub
