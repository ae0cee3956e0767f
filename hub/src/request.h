// Private to the hub service: a signed request after the envelope checks.
#pragma once

#include "sweep/hub/service.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::hub {

class HubService::Request {
 public:
  v1::SignedRequest envelope;
  Device device;
  const std::string& nonce() const { return envelope.nonce(); }
  const std::string& body() const { return envelope.body(); }
};

}  // namespace sweep::hub
