// A stand-in for the station's hub in the tablet's unit tests: its keys, an
// enrollment answered as sweep-hub answers it (signed, agency keys derived
// from its box key, the device's own agency key sealed to the device), so a
// store can be enrolled with a role and an agency without a network.
#pragma once

#include <functional>
#include <string>

#include "sweep/field/store.h"
#include "sweep/sync/crypto.h"
#include "sweep/sync/protocol.h"
#include "sweep/sync/sections.h"

namespace sweep::testing {

struct FakeHub {
  crypto::SignKeyPair sign = crypto::NewSignKeyPair();
  crypto::BoxKeyPair box = crypto::NewBoxKeyPair();
  crypto::SecretBuffer watchlist_key = crypto::SecretBuffer::CopyOf(crypto::Bytes(32, 9));

  // The agency's section key pair, as the hub derives it.
  crypto::BoxKeyPair Agency(std::string_view agency) const {
    return sync::sections::DeriveAgencyKey(box.secret_key, agency);
  }

  // Enrolls `store` (unlocked). `agency_keys` false: as a hub from before
  // agency sections answered (no keys). `tamper` changes the answer after
  // it is built (before it is signed).
  Status Enroll(field::Store* store, const std::string& agency, const std::string& role,
                bool agency_keys = true,
                const std::function<void(v1::EnrollResponse*)>& tamper = {}) const {
    crypto::Bytes secret(10, 7);
    auto req = store->BuildEnrollRequest(secret, "test tablet");
    if (!req.ok()) return req.status();
    auto str = [](crypto::ByteView b) { return std::string(b.begin(), b.end()); };
    crypto::ByteView device_box = crypto::AsBytes(req->box_pk());
    v1::EnrollResponse resp;
    resp.set_hub_id("hub-test");
    resp.set_hub_sign_pk(str(sign.public_key));
    resp.set_hub_box_pk(str(box.public_key));
    resp.set_officer_id(req->officer_id());
    resp.set_agency(agency);
    resp.set_role(role);
    resp.set_hub_time_ms(1'764'300'000'000);
    if (role != "regulator") {
      resp.set_watchlist_key(str(crypto::BoxSeal(watchlist_key.view(), device_box)));
    }
    if (agency_keys) {
      for (auto a : sync::sections::kAgencies) {
        v1::AgencyKey* k = resp.add_agency_keys();
        k->set_agency(std::string(a));
        k->set_public_key(str(Agency(a).public_key));
      }
      resp.set_agency_sk(str(crypto::BoxSeal(Agency(agency).secret_key.view(), device_box)));
    }
    if (tamper) tamper(&resp);
    v1::SignedEnrollResponse answer;
    answer.set_body(resp.SerializeAsString());
    auto sig = crypto::Sign(
        sign.secret_key,
        sync::EnrolledTranscript(crypto::AsBytes(req->mac()), crypto::AsBytes(answer.body())));
    answer.set_signature(str(sig));
    return store->CompleteEnrollment("http://127.0.0.1:9", *req, answer,
                                     sync::HubFingerprint(sign.public_key, box.public_key));
  }
};

}  // namespace sweep::testing
