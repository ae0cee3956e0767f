#include "sweep/hub/agency_keys.h"

#include <sodium.h>

namespace sweep::hub {

AgencyKeys AgencyKeys::Derive(const crypto::SecretBuffer& hub_box_sk) {
  AgencyKeys k;
  for (std::string_view a : sync::sections::kAgencies) {
    k.pairs_.emplace(std::string(a), sync::sections::DeriveAgencyKey(hub_box_sk, a));
  }
  return k;
}

Result<AgencyKeys> AgencyKeys::Load(HubStore* store) {
  SWEEP_ASSIGN_OR_RETURN(auto keys, store->LoadHubKeys());
  if (!keys) {
    return Status::NotFound("the hub has no keys yet: run `sweep-hub serve` (or any command "
                            "that enrolls) once to create them");
  }
  if (keys->box_sk.size() != crypto::kBoxSecretKeySize) {
    return Status::Corruption("the hub's box key has " + std::to_string(keys->box_sk.size()) +
                              " bytes, not 32: restore the hub file from a backup");
  }
  crypto::SecretBuffer sk = crypto::SecretBuffer::CopyOf(keys->box_sk);
  sodium_memzero(keys->box_sk.data(), keys->box_sk.size());
  sodium_memzero(keys->sign_sk.data(), keys->sign_sk.size());
  sodium_memzero(keys->watchlist_key.data(), keys->watchlist_key.size());
  return Derive(sk);
}

sync::sections::PublicKeys AgencyKeys::Public() const {
  sync::sections::PublicKeys out;
  for (const auto& [a, kp] : pairs_) out[a] = kp.public_key;
  return out;
}

sync::sections::SecretKeys AgencyKeys::Secret() const {
  sync::sections::SecretKeys out;
  for (const auto& [a, kp] : pairs_) out[a] = &kp.secret_key;
  return out;
}

const crypto::BoxKeyPair* AgencyKeys::Of(std::string_view agency) const {
  auto it = pairs_.find(agency);
  return it == pairs_.end() ? nullptr : &it->second;
}

}  // namespace sweep::hub
