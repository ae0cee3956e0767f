// Dashboard accounts (issue 6): who may sign in to the station dashboard,
// with which role and agency, and the sign-in check itself. Passwords are
// stored as libsodium crypto_pwhash_str strings (Argon2id, OPSLIMIT /
// MEMLIMIT_INTERACTIVE, salt and parameters inside the string) and rehashed
// at the next sign-in when the parameters are raised. After kFreeFailures
// wrong passwords in a row a growing delay runs, counted in the users row so
// that a restart does not reset it. Unknown users answer exactly like wrong
// passwords and take as long (a verify against a dummy hash); their failures
// are counted in memory. Spec: docs/api.md "Station dashboard",
// docs/hub-storage.md "Version 5". No SQL here (HubStore).
//
// Thread-safe: the store serialises writes; at most two password hashes run
// at once (64 MiB each), the others wait.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/hub/hub_store.h"
#include "sweep/schema/env.h"
#include "sweep/schema/status.h"

namespace sweep::hub {

inline constexpr size_t kMinPasswordChars = 10;
inline constexpr size_t kMaxPasswordBytes = 1024;
inline constexpr uint32_t kFreeFailures = 5;  // wrong passwords before the delay starts

// The delay after `failures` wrong passwords in a row: 0 below
// kFreeFailures, then 30 s doubling, at most 1 h.
int64_t SignInDelayMs(uint32_t failures);

bool IsDashboardRole(std::string_view role);  // supervisor, admin, regulator
bool IsAgency(std::string_view agency);       // police, market_regulation, tax, commerce

class Accounts {
 public:
  Accounts(HubStore* store, Env* env);
  ~Accounts();

  // InvalidArgument (id, name, role, agency, password too short or long),
  // AlreadyExists. The caller wipes `password` afterwards.
  Status Add(const std::string& user_id, const std::string& name, const std::string& role,
             const std::string& agency, std::string_view password);
  Status SetPassword(const std::string& user_id, std::string_view password);  // NotFound
  Status Disable(const std::string& user_id);                                 // NotFound
  // A new role (and agency) for an account; its sessions end at their next
  // request. Returns the role it had. NotFound.
  Result<std::string> SetRole(const std::string& user_id, const std::string& role,
                              const std::string& agency);
  Result<std::vector<UserRow>> List();  // password hashes left empty

  // The user, hash left empty, when `password` is right (also when the
  // account is disabled: the caller refuses it, so that only the right
  // password learns that). Otherwise: Unauthorized (wrong password or
  // unknown user, the same words; *wait_ms set when this failure started a
  // delay), or Locked with *wait_ms (a delay is running: nothing checked).
  Result<UserRow> SignIn(const std::string& user_id, std::string_view password, int64_t* wait_ms);
  // Computes the dummy hash now (the dashboard calls it at start), so that
  // the first unknown user takes no longer than a known one.
  void Prepare() { (void)DummyHash(); }

 private:
  Status CheckPassword(std::string_view password) const;
  static Status CheckRoleAgency(const std::string& role, const std::string& agency);
  Result<std::string> Hash(std::string_view password);
  bool Verify(const std::string& hash, std::string_view password);
  const std::string& DummyHash();
  // Unknown users: the same counting as for known ones, in memory.
  Status UnknownFailure(const std::string& user_id, int64_t now, int64_t* wait_ms);

  HubStore* store_;
  Env* env_;
  struct Limiter;
  std::unique_ptr<Limiter> limiter_;  // at most two hashes at once
  std::once_flag dummy_once_;
  std::string dummy_hash_;
  std::mutex unknown_mu_;
  std::map<std::string, std::pair<uint32_t, int64_t>> unknown_;  // failures, last
};

}  // namespace sweep::hub
