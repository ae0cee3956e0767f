// Accounts: dashboard users, Argon2id password hashes and the sign-in check
// with its growing delay (dashboard_users.h).
#include "sweep/hub/dashboard_users.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <semaphore>

namespace sweep::hub {

namespace {

constexpr const char* kWrong =
    "wrong user id or password: check both (the password is case-sensitive)";

size_t Utf8Chars(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool ValidUserId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

int64_t SignInDelayMs(uint32_t failures) {
  if (failures < kFreeFailures) return 0;
  constexpr int64_t kFirst = 30'000, kMax = 3'600'000;
  uint32_t doublings = std::min<uint32_t>(failures - kFreeFailures, 20);
  return std::min(kMax, kFirst << doublings);
}

bool IsDashboardRole(std::string_view role) {
  return role == "supervisor" || role == "admin" || role == "regulator";
}

bool IsAgency(std::string_view agency) {
  return agency == "police" || agency == "market_regulation" || agency == "tax" ||
         agency == "commerce";
}

struct Accounts::Limiter {
  std::counting_semaphore<2> slots{2};
};

Accounts::Accounts(HubStore* store, Env* env)
    : store_(store), env_(env), limiter_(std::make_unique<Limiter>()) {}
Accounts::~Accounts() = default;

Status Accounts::CheckPassword(std::string_view password) const {
  if (Utf8Chars(password) < kMinPasswordChars) {
    return Status::InvalidArgument("the password is too short: give at least " +
                                   std::to_string(kMinPasswordChars) +
                                   " characters (a few words are easy to remember)");
  }
  if (password.size() > kMaxPasswordBytes) {
    return Status::InvalidArgument("the password is too long: at most " +
                                   std::to_string(kMaxPasswordBytes) + " bytes");
  }
  return Status::Ok();
}

Result<std::string> Accounts::Hash(std::string_view password) {
  std::array<char, crypto_pwhash_STRBYTES> out{};
  limiter_->slots.acquire();
  int rc =
      crypto_pwhash_str(out.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
  limiter_->slots.release();
  if (rc != 0) {
    return Status::Internal("cannot hash the password: out of memory (Argon2id needs 64 MiB)");
  }
  return std::string(out.data());
}

bool Accounts::Verify(const std::string& hash, std::string_view password) {
  limiter_->slots.acquire();
  bool ok = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
  limiter_->slots.release();
  return ok;
}

const std::string& Accounts::DummyHash() {
  std::call_once(dummy_once_, [this] {
    std::array<unsigned char, 16> random{};
    env_->RandomBytes(random.data(), random.size());
    auto h = Hash(std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
    sodium_memzero(random.data(), random.size());
    dummy_hash_ = h.ok() ? *h : std::string();
  });
  return dummy_hash_;
}

Status Accounts::Add(const std::string& user_id, const std::string& name, const std::string& role,
                     const std::string& agency, std::string_view password) {
  if (!ValidUserId(user_id)) {
    return Status::InvalidArgument("--id '" + user_id +
                                   "': give 1 to 64 letters, digits, '.', '_' or '-'");
  }
  if (name.empty()) return Status::InvalidArgument("--name: give the person's name");
  SWEEP_RETURN_IF_ERROR(CheckRoleAgency(role, agency));
  SWEEP_RETURN_IF_ERROR(CheckPassword(password));
  UserRow u;
  u.user_id = user_id;
  u.name = name;
  u.role = role;
  u.agency = agency;
  u.created_ms = env_->NowMillis();
  SWEEP_ASSIGN_OR_RETURN(u.password_hash, Hash(password));
  return store_->AddUser(u);
}

Status Accounts::SetPassword(const std::string& user_id, std::string_view password) {
  SWEEP_RETURN_IF_ERROR(CheckPassword(password));
  SWEEP_RETURN_IF_ERROR(store_->GetUser(user_id).status());
  SWEEP_ASSIGN_OR_RETURN(std::string hash, Hash(password));
  return store_->SetUserPassword(user_id, hash);
}

Status Accounts::CheckRoleAgency(const std::string& role, const std::string& agency) {
  if (!IsDashboardRole(role)) {
    return Status::InvalidArgument("--role '" + role + "': give supervisor, admin or regulator");
  }
  if (!IsAgency(agency)) {
    return Status::InvalidArgument("--agency '" + agency +
                                   "': give police, market_regulation, tax or commerce");
  }
  // A regulator belongs to another agency; a supervisor or admin to the police.
  if ((role == "regulator") != (agency != "police")) {
    return Status::InvalidArgument(
        role == "regulator"
            ? "--agency: a regulator belongs to market_regulation, tax or commerce"
            : "--agency: a " + role + " belongs to the police; other agencies' staff are "
                                      "--role regulator");
  }
  return Status::Ok();
}

Result<std::string> Accounts::SetRole(const std::string& user_id, const std::string& role,
                                      const std::string& agency) {
  SWEEP_RETURN_IF_ERROR(CheckRoleAgency(role, agency));
  SWEEP_ASSIGN_OR_RETURN(UserRow user, store_->GetUser(user_id));
  SWEEP_RETURN_IF_ERROR(store_->SetUserRole(user_id, role, agency));
  return user.role + "/" + user.agency;
}

Status Accounts::Disable(const std::string& user_id) {
  return store_->SetUserDisabled(user_id, true);
}

Result<std::vector<UserRow>> Accounts::List() {
  SWEEP_ASSIGN_OR_RETURN(auto users, store_->ListUsers());
  for (UserRow& u : users) u.password_hash.clear();
  return users;
}

Status Accounts::UnknownFailure(const std::string& user_id, int64_t now, int64_t* wait_ms) {
  std::lock_guard lock(unknown_mu_);
  if (unknown_.size() > 10000) unknown_.clear();  // bounded: a flood forgets, never grows
  auto& [failures, last] = unknown_[user_id];
  ++failures;
  last = now;
  *wait_ms = SignInDelayMs(failures);
  return Status::Unauthorized(kWrong);
}

Result<UserRow> Accounts::SignIn(const std::string& user_id, std::string_view password,
                                 int64_t* wait_ms) {
  *wait_ms = 0;
  const int64_t now = env_->NowMillis();
  auto waiting = [&](uint32_t failures, int64_t last) {
    int64_t until = last + SignInDelayMs(failures);
    *wait_ms = failures >= kFreeFailures && now < until ? until - now : 0;
    return *wait_ms > 0;
  };
  constexpr const char* kWait = "too many wrong passwords: wait before trying again";
  auto user = store_->GetUser(user_id);
  if (!user.ok() && user.status().code() != Code::kNotFound) return user.status();
  if (!user.ok()) {
    {
      std::lock_guard lock(unknown_mu_);
      auto it = unknown_.find(user_id);
      if (it != unknown_.end() && waiting(it->second.first, it->second.second)) {
        return Status::Locked(kWait);
      }
    }
    (void)Verify(DummyHash(), password);  // the same time as a known user's check
    return UnknownFailure(user_id, now, wait_ms);
  }
  if (waiting(user->failed_signins, user->last_failure_ms)) return Status::Locked(kWait);
  if (!Verify(user->password_hash, password)) {
    SWEEP_ASSIGN_OR_RETURN(uint32_t failures, store_->CountSignInFailure(user_id, now));
    *wait_ms = SignInDelayMs(failures);
    return Status::Unauthorized(kWrong);
  }
  if (crypto_pwhash_str_needs_rehash(user->password_hash.c_str(),
                                     crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                     crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    SWEEP_ASSIGN_OR_RETURN(std::string hash, Hash(password));
    SWEEP_RETURN_IF_ERROR(store_->SetUserPassword(user_id, hash));  // also clears failures
  } else if (user->failed_signins != 0) {
    SWEEP_RETURN_IF_ERROR(store_->ClearSignInFailures(user_id));
  }
  user->password_hash.clear();
  user->failed_signins = 0;
  return std::move(user).value();
}

}  // namespace sweep::hub
