// Shared by the hub fuzz targets: one HubService per process over a real
// SQLite hub store in a temporary folder (under $TMPDIR; removed at exit),
// with one enrolled device whose signing key the harness holds, so a target
// can sign requests the way a tablet does. The clock is the real one
// (Env::Default()) so that the hub's timestamp check passes.
//
// Also the invariants every hub reply must meet; a violation aborts, which
// libFuzzer reports as a crash with the input saved.
//
// Not thread-safe: libFuzzer runs one input at a time.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "sweep/hub/hub_store.h"
#include "sweep/hub/service.h"
#include "sweep/schema/env.h"
#include "sweep/sync/crypto.h"
#include "sweep/sync/protocol.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::fuzz {

// The enrolled device. Fixed, so that seeds can carry records naming it.
constexpr char kDeviceId[] = "f0220000000000000000000000000001";
constexpr char kOfficerId[] = "F1001";

// A broken invariant: say which, and abort so libFuzzer keeps the input.
[[noreturn]] inline void Violation(const std::string& what) {
  std::fprintf(stderr, "\nINVARIANT VIOLATED: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Setup failed: not a finding in the code under test. Exit code 2 tells
// scripts/fuzz apart from a crash.
[[noreturn]] inline void SetupFailed(const std::string& what) {
  std::fprintf(stderr, "fuzz setup failed: %s\n", what.c_str());
  std::fflush(stderr);
  std::_Exit(2);
}

class HubFixture {
 public:
  static HubFixture& Get() {
    static HubFixture* fixture = new HubFixture();  // lives until exit; see ~TempFolder
    return *fixture;
  }

  hub::HubService& service() { return *service_; }
  const std::string& hub_id() const { return service_->hub_id(); }
  const crypto::Bytes& hub_sign_pk() const { return hub_sign_pk_; }
  const crypto::Bytes& hub_box_pk() const { return hub_box_pk_; }
  const crypto::SecretBuffer& device_sign_sk() const { return device_sign_.secret_key; }
  Env* env() { return Env::Default(); }

 private:
  // Removes the hub's folder at exit (libFuzzer ends with exit()).
  struct TempFolder {
    std::string path;
    ~TempFolder() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };

  HubFixture() {
    crypto::Init();
    std::string tmpl = (std::filesystem::temp_directory_path() / "sweep-fuzz-hub-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) SetupFailed("cannot create a folder in " + tmpl);
    static TempFolder folder{tmpl};
    auto store = hub::OpenSqliteHubStore(tmpl + "/hub.db");
    if (!store.ok()) SetupFailed(store.status().ToString());
    auto service = hub::HubService::Open(std::move(store).value(), Env::Default());
    if (!service.ok()) SetupFailed(service.status().ToString());
    service_ = std::move(service).value();
    Enroll();
    // Something in the feed, so that pull has items to page through.
    Status st = service_->WatchlistAdd("phone", "13800138000", "alert", "fuzz");
    if (!st.ok()) SetupFailed(st.ToString());
  }

  // Enrolls kDeviceId the way a tablet does (docs/protocol.md "Enrollment").
  void Enroll() {
    auto code = service_->CreateEnrollCode(kOfficerId, "police", "officer", 3600 * 1000);
    if (!code.ok()) SetupFailed(code.status().ToString());
    auto parts = sync::ParseEnrollCode(*code);
    if (!parts.ok()) SetupFailed(parts.status().ToString());
    device_sign_ = crypto::NewSignKeyPair();
    auto box = crypto::NewBoxKeyPair();
    v1::EnrollRequest req;
    auto code_id = sync::CodeId(parts->secret);
    req.set_code_id(std::string(code_id.begin(), code_id.end()));
    req.set_device_id(kDeviceId);
    req.set_sign_pk(std::string(device_sign_.public_key.begin(), device_sign_.public_key.end()));
    req.set_box_pk(std::string(box.public_key.begin(), box.public_key.end()));
    req.set_officer_id(kOfficerId);
    req.set_label("fuzz");
    crypto::Bytes transcript = sync::EnrollTranscript(req);
    auto mac = crypto::KeyedHash(crypto::SecretBuffer::CopyOf(parts->secret), {transcript});
    req.set_mac(std::string(mac.begin(), mac.end()));
    auto proof = crypto::Sign(device_sign_.secret_key, transcript);
    req.set_proof(std::string(proof.begin(), proof.end()));

    hub::Reply reply = service_->Enroll(req.SerializeAsString());
    v1::SignedEnrollResponse signed_resp;
    v1::EnrollResponse resp;
    if (reply.status != 200 || !signed_resp.ParseFromString(reply.body) ||
        !resp.ParseFromString(signed_resp.body())) {
      SetupFailed("enrollment refused: HTTP " + std::to_string(reply.status) + " " +
                  reply.error_code);
    }
    hub_sign_pk_.assign(resp.hub_sign_pk().begin(), resp.hub_sign_pk().end());
    hub_box_pk_.assign(resp.hub_box_pk().begin(), resp.hub_box_pk().end());
  }

  std::unique_ptr<hub::HubService> service_;
  crypto::SignKeyPair device_sign_;
  crypto::Bytes hub_sign_pk_, hub_box_pk_;
};

// Checks what every reply must be: a status in [200, 599]; a body that
// parses as SignedResponse whose signature verifies for the request it
// answers (docs/protocol.md, ResponseTranscript: the envelope's device,
// method and nonce), or for no request (all empty) when the hub could not
// read the envelope; `request` is null when there is none (enrollment), and
// `or_unbound` also accepts an answer for no request; and, for a non-200
// status, an inner v1::Error with a code. Returns the inner body.
inline std::string CheckSignedReply(HubFixture& fx, const hub::Reply& reply, std::string_view path,
                                    const v1::SignedRequest* request, bool or_unbound) {
  const std::string where = std::string(path) + ": HTTP " + std::to_string(reply.status);
  if (reply.status < 200 || reply.status > 599) Violation(where + ": status out of range");
  v1::SignedResponse resp;
  if (!resp.ParseFromString(reply.body)) {
    Violation(where + ": body does not parse as sweep.v1.SignedResponse");
  }
  auto verifies = [&](std::string_view device_id, std::string_view method, std::string_view nonce) {
    return crypto::VerifySignature(
        fx.hub_sign_pk(),
        sync::ResponseTranscript(fx.hub_id(), device_id, method, crypto::AsBytes(nonce),
                                 static_cast<uint32_t>(reply.status), crypto::AsBytes(resp.body())),
        crypto::AsBytes(resp.signature()));
  };
  const bool bound =
      request != nullptr && verifies(request->device_id(), request->method(), request->nonce());
  const bool unbound = (request == nullptr || or_unbound) && verifies("", "", "");
  if (!bound && !unbound) {
    Violation(where + ": the response signature does not verify for the request it answers");
  }
  if (reply.status != 200) {
    v1::Error error;
    if (!error.ParseFromString(resp.body()) || error.code().empty()) {
      Violation(where + ": the signed body is not a sweep.v1.Error with a code");
    }
  }
  return resp.body();
}

// Seeds: SWEEP_FUZZ_WRITE_SEEDS=<folder> makes a hub target write its seed
// inputs there and exit instead of fuzzing.
inline const char* SeedFolder() { return std::getenv("SWEEP_FUZZ_WRITE_SEEDS"); }

inline void WriteSeed(const std::string& folder, const std::string& name,
                      const std::string& bytes) {
  std::filesystem::create_directories(folder);
  std::ofstream out(folder + "/" + name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) SetupFailed("cannot write seed " + folder + "/" + name);
}

}  // namespace sweep::fuzz
