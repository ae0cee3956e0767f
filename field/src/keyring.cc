// Officers, PINs and keys: creating a store, unlocking it, counting wrong
// PINs, and crypto-shredding. See docs/storage-format.md "Key hierarchy".
#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "store_impl.h"

namespace sweep::field {

namespace fs = std::filesystem;
using crypto::AsBytes;
using crypto::Bytes;
using crypto::ByteView;
using crypto::SecretBuffer;

namespace {
constexpr int kFreeAttempts = 3;
constexpr int64_t kFirstDelayMs = 30'000;
constexpr int64_t kMaxDelayMs = 3'600'000;
const char* const kKeyNames[] = {"data", "index", "sign_sk", "box_sk"};
}  // namespace

int64_t LockoutDelayMillis(int failures) {
  if (failures < kFreeAttempts) return 0;
  int shift = std::min(failures - kFreeAttempts, 20);
  return std::min(kFirstDelayMs << shift, kMaxDelayMs);
}

Status ConfigureConnection(sql::Db* db) {
  // WAL with FULL sync: a commit is on disk when COMMIT returns. Temp data
  // stays in memory, and freed pages are zeroed so deleted ciphertext and
  // wrapped keys do not linger in the file.
  return db->Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;"
      "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;");
}

Status CreateSchema(sql::Db* db) {
  return db->Exec(R"sql(
    CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
    CREATE TABLE officers(
      officer_id TEXT PRIMARY KEY,
      kdf_ops INTEGER NOT NULL, kdf_mem INTEGER NOT NULL, kdf_salt BLOB NOT NULL,
      wrapped_master BLOB NOT NULL,
      sealed_name BLOB NOT NULL,
      added_ms INTEGER NOT NULL);
    CREATE TABLE keys(name TEXT PRIMARY KEY, wrapped BLOB NOT NULL);
    CREATE TABLE versions(
      seq INTEGER PRIMARY KEY,
      record_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      sealed BLOB NOT NULL,
      entry_hash BLOB NOT NULL,
      head_sig BLOB,
      UNIQUE(record_id, version));
    CREATE TABLE tags(tag BLOB NOT NULL, seq INTEGER NOT NULL);
    CREATE INDEX tags_by_tag ON tags(tag);
  )sql");
}

Status EnsureSyncTables(sql::Db* db) {
  // Added after format 1 first reached development stores; created on open
  // when missing, so that every store has them (shredding empties them).
  return db->Exec(R"sql(
    CREATE TABLE IF NOT EXISTS feed(tag BLOB PRIMARY KEY, kind TEXT NOT NULL,
                                    sealed BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS files(tag BLOB PRIMARY KEY, sealed BLOB NOT NULL,
                                     uploaded INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS file_chunks(tag BLOB NOT NULL, idx INTEGER NOT NULL,
                                           sealed BLOB NOT NULL, PRIMARY KEY(tag, idx));
    CREATE TABLE IF NOT EXISTS drafts(tag BLOB PRIMARY KEY, sealed BLOB NOT NULL);
  )sql");
}

// ------------------------------------------------------------------ meta

Result<crypto::Bytes> Store::Impl::MetaBlob(std::string_view key) {
  SWEEP_ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT value FROM meta WHERE key=?"));
  st.Bind(1, key);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("meta key '" + std::string(key) + "' missing");
  return st.Blob(0);
}

Result<std::string> Store::Impl::MetaText(std::string_view key) {
  SWEEP_ASSIGN_OR_RETURN(auto b, MetaBlob(key));
  return std::string(b.begin(), b.end());
}

Result<int64_t> Store::Impl::MetaInt(std::string_view key, int64_t fallback) {
  auto t = MetaText(key);
  if (!t.ok()) return t.status().code() == Code::kNotFound ? Result<int64_t>(fallback) : t.status();
  try {
    return static_cast<int64_t>(std::stoll(*t));
  } catch (...) {
    return Status::Corruption("meta key '" + std::string(key) + "' is not a number");
  }
}

Status Store::Impl::SetMeta(std::string_view key, crypto::ByteView value) {
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         db->Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"));
  st.Bind(1, key).Bind(2, value);
  return st.Run();
}

Status Store::Impl::SetMeta(std::string_view key, std::string_view value) {
  return SetMeta(key, AsBytes(value));
}

Bytes Store::Impl::KeyAd(std::string_view name) const {
  std::string ad = "sweep.key.v1|" + device_id + "|" + std::string(name);
  return Bytes(ad.begin(), ad.end());
}

Bytes Store::Impl::OfficerAd(std::string_view id, std::string_view what) const {
  std::string ad =
      "sweep.officer.v1|" + device_id + "|" + std::string(what) + "|" + std::string(id);
  return Bytes(ad.begin(), ad.end());
}

void Store::Impl::WipeKeys() {
  keys.reset();  // SecretBuffer destructors zero and free the guarded pages
  officer_id.clear();
}

Status Store::Impl::RequireUnlocked() {
  if (!keys) return Status::Locked("the store is locked: unlock it with an officer's PIN");
  int64_t now = env->MonotonicMicros();
  if (idle_timeout_ms > 0 && now - last_activity_us > idle_timeout_ms * 1000) {
    WipeKeys();
    return Status::Locked("locked after " + std::to_string(idle_timeout_ms / 1000) +
                          " s without use: unlock again with your PIN");
  }
  SWEEP_ASSIGN_OR_RETURN(int64_t epoch, MetaInt("lock_epoch", 0));
  if (epoch != lock_epoch) {
    WipeKeys();
    return Status::Locked("locked by a lock request: unlock again with your PIN");
  }
  last_activity_us = now;
  return Status::Ok();
}

// ------------------------------------------------------------------ create / open

namespace {
Status WrapOfficer(Store::Impl* s, const std::string& officer_id, const std::string& name,
                   std::string_view pin, crypto::KdfParams kdf, const SecretBuffer& master) {
  if (pin.size() < kMinPinLength) {
    return Status::InvalidArgument("PIN too short: use at least " + std::to_string(kMinPinLength) +
                                   " digits or characters");
  }
  if (officer_id.empty() || officer_id.size() > 64) {
    return Status::InvalidArgument("officer id must be 1 to 64 characters");
  }
  s->env->RandomBytes(kdf.salt.data(), kdf.salt.size());
  SWEEP_ASSIGN_OR_RETURN(auto wrap_key, crypto::DeriveKey(pin, kdf));
  Bytes wrapped =
      crypto::AeadSeal(wrap_key, master.view(), s->OfficerAd(officer_id, "master"), s->env);
  Bytes sealed_name =
      crypto::AeadSeal(master, AsBytes(name), s->OfficerAd(officer_id, "name"), s->env);
  SWEEP_ASSIGN_OR_RETURN(
      auto st, s->db->Prepare("INSERT INTO officers(officer_id, kdf_ops, kdf_mem, kdf_salt,"
                              " wrapped_master, sealed_name, added_ms)"
                              " VALUES(?,?,?,?,?,?,?)"));
  st.Bind(1, officer_id)
      .Bind(2, static_cast<int64_t>(kdf.ops_limit))
      .Bind(3, static_cast<int64_t>(kdf.mem_limit))
      .Bind(4, ByteView(kdf.salt))
      .Bind(5, wrapped)
      .Bind(6, sealed_name)
      .Bind(7, s->env->NowMillis());
  Status r = st.Run();
  if (r.code() == Code::kConflict) {
    return Status::AlreadyExists("officer '" + officer_id + "' is already on this tablet");
  }
  return r;
}

Status StoreKey(Store::Impl* s, const SecretBuffer& master, std::string_view name,
                const SecretBuffer& key) {
  Bytes wrapped = crypto::AeadSeal(master, key.view(), s->KeyAd(name), s->env);
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("INSERT INTO keys(name, wrapped) VALUES(?, ?)"));
  st.Bind(1, name).Bind(2, wrapped);
  return st.Run();
}

std::string StorePath(const std::string& dir) {
  return (fs::path(dir) / Store::kFileName).string();
}
Status CreateFile(const std::string& dir, const std::string& path, const InitOptions& opt,
                  std::string_view pin, Env* env);
}  // namespace

Status Store::Create(const std::string& dir, const InitOptions& opt, std::string_view pin,
                     Env* env) {
  crypto::Init();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create store folder " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  std::string path = StorePath(dir);
  if (fs::exists(path)) {
    return Status::AlreadyExists("a store already exists in " + dir +
                                 "; use another folder or `wipe` this one first");
  }
  if (opt.max_failed_attempts < 1 || opt.max_failed_attempts > 100) {
    return Status::InvalidArgument("max failed attempts must be between 1 and 100");
  }
  if (pin.size() < kMinPinLength) {
    return Status::InvalidArgument("PIN too short: use at least " + std::to_string(kMinPinLength) +
                                   " digits or characters");
  }
  if (opt.officer_id.empty() || opt.officer_id.size() > 64) {
    return Status::InvalidArgument("officer id must be 1 to 64 characters");
  }
  Status created = CreateFile(dir, path, opt, pin, env);
  if (!created.ok()) {
    // Leave no half-made store behind: the next init must be able to start over.
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
  }
  return created;
}

namespace {
Status CreateFile(const std::string& dir, const std::string& path, const InitOptions& opt,
                  std::string_view pin, Env* env) {
  mode_t old = ::umask(077);
  auto db = sql::Db::Open(path, true);
  ::umask(old);
  if (!db.ok()) return db.status();
  Store::Impl impl(std::move(db).value(), env);
  SWEEP_RETURN_IF_ERROR(ConfigureConnection(impl.db.get()));
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(impl.db.get()));
  SWEEP_RETURN_IF_ERROR(CreateSchema(impl.db.get()));
  SWEEP_RETURN_IF_ERROR(EnsureSyncTables(impl.db.get()));
  SWEEP_RETURN_IF_ERROR(CreateViewLogTable(impl.db.get()));
  SWEEP_RETURN_IF_ERROR(CreatePurgedTable(impl.db.get()));
  impl.device_id = NewRandomId(env);
  SecretBuffer master = SecretBuffer::Random(crypto::kKeySize, env);
  auto sign = crypto::NewSignKeyPair();
  auto box = crypto::NewBoxKeyPair();
  SWEEP_RETURN_IF_ERROR(impl.SetMeta("format_version", std::to_string(Store::kFormatVersion)));
  SWEEP_RETURN_IF_ERROR(impl.SetMeta("device_id", impl.device_id));
  SWEEP_RETURN_IF_ERROR(impl.SetMeta("sign_pk", ByteView(sign.public_key)));
  SWEEP_RETURN_IF_ERROR(impl.SetMeta("box_pk", ByteView(box.public_key)));
  SWEEP_RETURN_IF_ERROR(
      impl.SetMeta("max_failed_attempts", std::to_string(opt.max_failed_attempts)));
  SWEEP_RETURN_IF_ERROR(impl.SetMeta("failed_attempts", "0"));
  SWEEP_RETURN_IF_ERROR(impl.SetMeta("lock_epoch", "0"));
  SWEEP_RETURN_IF_ERROR(StoreKey(&impl, master, "data", SecretBuffer::Random(32, env)));
  SWEEP_RETURN_IF_ERROR(StoreKey(&impl, master, "index", SecretBuffer::Random(32, env)));
  SWEEP_RETURN_IF_ERROR(StoreKey(&impl, master, "sign_sk", sign.secret_key));
  SWEEP_RETURN_IF_ERROR(StoreKey(&impl, master, "box_sk", box.secret_key));
  SWEEP_RETURN_IF_ERROR(WrapOfficer(&impl, opt.officer_id, opt.officer_name, pin, opt.kdf, master));
  return tx->Commit();
}
}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, Env* env) {
  crypto::Init();
  std::string path = StorePath(dir);
  if (!fs::exists(path)) {
    return Status::NotFound("no store in " + dir + ": create one with `sweep-field --store " + dir +
                            " init --officer ID --name NAME`");
  }
  SWEEP_ASSIGN_OR_RETURN(auto db, sql::Db::Open(path, false));
  auto impl = std::make_unique<Impl>(std::move(db), env);
  impl->dir = dir;
  SWEEP_RETURN_IF_ERROR(ConfigureConnection(impl->db.get()));
  SWEEP_RETURN_IF_ERROR(EnsureSyncTables(impl->db.get()));
  auto shredded = impl->MetaText("shredded");
  if (shredded.ok()) {
    return Status::Shredded("this store was crypto-shredded (" + *shredded +
                            "); its records cannot be read by anyone. Create a new store and "
                            "re-sync from the hub");
  }
  SWEEP_RETURN_IF_ERROR(UpgradeFormat(impl.get()));  // 1 -> 2: the view log
  SWEEP_RETURN_IF_ERROR(UpgradeToPurged(impl.get()));  // 2 -> 3: retention (retention.cc)
  SWEEP_ASSIGN_OR_RETURN(int64_t fmt, impl->MetaInt("format_version", 0));
  if (fmt != kFormatVersion) {
    return Status::Corruption("store format version " + std::to_string(fmt) +
                              " is not supported by this program (expects " +
                              std::to_string(kFormatVersion) + ")");
  }
  SWEEP_ASSIGN_OR_RETURN(impl->device_id, impl->MetaText("device_id"));
  SWEEP_ASSIGN_OR_RETURN(impl->sign_pk, impl->MetaBlob("sign_pk"));
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() { impl_->WipeKeys(); }

// ------------------------------------------------------------------ unlock

namespace {
struct OfficerRow {
  crypto::KdfParams kdf;
  Bytes wrapped_master;
};

Result<OfficerRow> LoadOfficer(Store::Impl* s, std::string_view officer_id) {
  SWEEP_ASSIGN_OR_RETURN(auto st,
                         s->db->Prepare("SELECT kdf_ops, kdf_mem, kdf_salt, "
                                        "wrapped_master FROM officers WHERE officer_id=?"));
  st.Bind(1, officer_id);
  SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return Status::NotFound("no officer '" + std::string(officer_id) +
                            "' on this tablet; `officer list` shows who is");
  }
  OfficerRow r;
  r.kdf.ops_limit = static_cast<uint64_t>(st.Int(0));
  r.kdf.mem_limit = static_cast<uint64_t>(st.Int(1));
  Bytes salt = st.Blob(2);
  if (salt.size() != r.kdf.salt.size())
    return Status::Corruption("officer KDF salt has wrong size");
  std::copy(salt.begin(), salt.end(), r.kdf.salt.begin());
  r.wrapped_master = st.Blob(3);
  return r;
}

Result<std::unique_ptr<Keys>> LoadKeys(Store::Impl* s, SecretBuffer master) {
  auto keys = std::make_unique<Keys>();
  SecretBuffer* slots[] = {&keys->data, &keys->index, &keys->sign_sk, &keys->box_sk};
  SWEEP_ASSIGN_OR_RETURN(auto st, s->db->Prepare("SELECT wrapped FROM keys WHERE name=?"));
  for (size_t i = 0; i < 4; ++i) {
    st.Bind(1, kKeyNames[i]);
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Corruption(std::string("wrapped key '") + kKeyNames[i] + "' missing");
    auto key = crypto::AeadOpenSecret(master, st.Blob(0), s->KeyAd(kKeyNames[i]));
    if (!key.ok()) return key.status().WithContext(std::string("key '") + kKeyNames[i] + "'");
    *slots[i] = std::move(key).value();
    SWEEP_RETURN_IF_ERROR(st.Reset());
  }
  keys->master = std::move(master);
  return keys;
}
}  // namespace

Status Store::Unlock(std::string_view officer_id, std::string_view pin) {
  Impl* s = impl_.get();
  s->WipeKeys();
  SWEEP_ASSIGN_OR_RETURN(OfficerRow officer, LoadOfficer(s, officer_id));
  SWEEP_ASSIGN_OR_RETURN(int64_t max_attempts, s->MetaInt("max_failed_attempts", 10));
  int64_t failures = 0;
  {
    // Count this attempt as a failure durably *before* trying the PIN, so that
    // killing the process after a wrong guess cannot erase it.
    SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
    SWEEP_ASSIGN_OR_RETURN(failures, s->MetaInt("failed_attempts", 0));
    SWEEP_ASSIGN_OR_RETURN(int64_t until, s->MetaInt("locked_until_ms", 0));
    int64_t now = s->env->NowMillis();
    if (now < until) {
      int64_t secs = (until - now + 999) / 1000;
      return Status::Locked("too many wrong PINs: wait " + std::to_string(secs) +
                            " s before the next attempt (" +
                            std::to_string(max_attempts - failures) +
                            " attempts left before the store erases itself)");
    }
    SWEEP_RETURN_IF_ERROR(s->SetMeta("failed_attempts", std::to_string(failures + 1)));
    SWEEP_RETURN_IF_ERROR(tx->Commit());
  }
  auto wrap_key = crypto::DeriveKey(pin, officer.kdf);
  if (!wrap_key.ok()) return wrap_key.status();
  auto master =
      crypto::AeadOpenSecret(*wrap_key, officer.wrapped_master, s->OfficerAd(officer_id, "master"));
  if (!master.ok()) {
    failures += 1;
    if (failures >= max_attempts) {
      SWEEP_RETURN_IF_ERROR(Shred(std::to_string(failures) + " wrong PINs in a row"));
      return Status::Shredded(std::to_string(failures) +
                              " wrong PINs in a row: the store has crypto-shredded itself and "
                              "its records can no longer be read. Ask the station to re-enroll "
                              "this tablet");
    }
    int64_t delay = LockoutDelayMillis(static_cast<int>(failures));
    SWEEP_RETURN_IF_ERROR(
        s->SetMeta("locked_until_ms", std::to_string(s->env->NowMillis() + delay)));
    std::string msg = "wrong PIN for officer '" + std::string(officer_id) +
                      "': " + std::to_string(max_attempts - failures) +
                      " attempts left before the store erases itself";
    if (delay > 0) msg += "; next attempt possible in " + std::to_string(delay / 1000) + " s";
    return Status::Unauthorized(msg);
  }
  SWEEP_ASSIGN_OR_RETURN(auto keys, LoadKeys(s, std::move(master).value()));
  SWEEP_RETURN_IF_ERROR(s->SetMeta("failed_attempts", "0"));
  SWEEP_RETURN_IF_ERROR(s->SetMeta("locked_until_ms", "0"));
  SWEEP_ASSIGN_OR_RETURN(s->lock_epoch, s->MetaInt("lock_epoch", 0));
  s->keys = std::move(keys);
  s->officer_id = std::string(officer_id);
  s->last_activity_us = s->env->MonotonicMicros();
  return Status::Ok();
}

Result<std::unique_ptr<Store>> Store::OpenSecondary() {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto db, sql::Db::Open(StorePath(s->dir), false));
  auto impl = std::make_unique<Impl>(std::move(db), s->env);
  SWEEP_RETURN_IF_ERROR(ConfigureConnection(impl->db.get()));
  impl->dir = s->dir;
  impl->device_id = s->device_id;
  impl->sign_pk = s->sign_pk;
  impl->officer_id = s->officer_id;
  impl->lock_epoch = s->lock_epoch;
  impl->idle_timeout_ms = s->idle_timeout_ms;
  impl->last_activity_us = s->env->MonotonicMicros();
  impl->keys = std::make_unique<Keys>();
  impl->keys->master = crypto::SecretBuffer::CopyOf(s->keys->master.view());
  impl->keys->data = crypto::SecretBuffer::CopyOf(s->keys->data.view());
  impl->keys->index = crypto::SecretBuffer::CopyOf(s->keys->index.view());
  impl->keys->sign_sk = crypto::SecretBuffer::CopyOf(s->keys->sign_sk.view());
  impl->keys->box_sk = crypto::SecretBuffer::CopyOf(s->keys->box_sk.view());
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

void Store::Lock() { impl_->WipeKeys(); }
bool Store::unlocked() const { return impl_->keys != nullptr; }
const std::string& Store::officer_id() const { return impl_->officer_id; }
const std::string& Store::device_id() const { return impl_->device_id; }
Env* Store::env() const { return impl_->env; }
void Store::SetIdleTimeout(int64_t ms) { impl_->idle_timeout_ms = ms; }

Status Store::RequestLock() {
  Impl* s = impl_.get();
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  SWEEP_ASSIGN_OR_RETURN(int64_t epoch, s->MetaInt("lock_epoch", 0));
  SWEEP_RETURN_IF_ERROR(s->SetMeta("lock_epoch", std::to_string(epoch + 1)));
  SWEEP_RETURN_IF_ERROR(tx->Commit());
  s->WipeKeys();
  return Status::Ok();
}

Status Store::AddOfficer(const std::string& officer_id, const std::string& name,
                         std::string_view pin, const crypto::KdfParams& kdf) {
  Impl* s = impl_.get();
  SWEEP_RETURN_IF_ERROR(s->RequireUnlocked());
  SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
  SWEEP_RETURN_IF_ERROR(WrapOfficer(s, officer_id, name, pin, kdf, s->keys->master));
  return tx->Commit();
}

Result<std::vector<OfficerInfo>> Store::Officers() {
  Impl* s = impl_.get();
  bool can_read = s->RequireUnlocked().ok();
  SWEEP_ASSIGN_OR_RETURN(
      auto st, s->db->Prepare("SELECT officer_id, sealed_name FROM officers ORDER BY officer_id"));
  std::vector<OfficerInfo> out;
  for (;;) {
    SWEEP_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    OfficerInfo o;
    o.officer_id = st.Text(0);
    if (can_read) {
      auto name = crypto::AeadOpen(s->keys->master, st.Blob(1), s->OfficerAd(o.officer_id, "name"));
      if (!name.ok()) return name.status().WithContext("officer '" + o.officer_id + "' name");
      o.name.assign(name->begin(), name->end());
    }
    out.push_back(std::move(o));
  }
  return out;
}

// ------------------------------------------------------------------ shred

Status Store::Shred(std::string_view reason) {
  Impl* s = impl_.get();
  s->WipeKeys();
  {
    SWEEP_ASSIGN_OR_RETURN(auto tx, sql::Transaction::Begin(s->db.get()));
    // Overwrite before deleting: with secure_delete the freed pages are
    // zeroed too, but overwriting first leaves nothing to chance.
    SWEEP_RETURN_IF_ERROR(
        s->db->Exec("UPDATE officers SET wrapped_master=randomblob(length(wrapped_master)),"
                    " kdf_salt=randomblob(16), sealed_name=randomblob(length(sealed_name));"
                    "UPDATE keys SET wrapped=randomblob(length(wrapped));"
                    "DELETE FROM officers; DELETE FROM keys;"));
    std::string marker =
        std::string(reason) + ", at " + std::to_string(s->env->NowMillis()) + " ms since epoch";
    SWEEP_RETURN_IF_ERROR(s->SetMeta("shredded", marker));
    SWEEP_RETURN_IF_ERROR(tx->Commit());
  }
  // The keys are gone; what follows frees space and removes the ciphertext.
  // Table by table, so that one failure cannot keep the others.
  for (const char* table : {"versions", "tags", "feed", "files", "file_chunks", "drafts",
                            "view_log", "purged_versions"}) {
    (void)s->db->Exec(std::string("DELETE FROM ") + table);
  }
  // Fold the WAL (which still holds old page images) into the main file and
  // truncate it, then rebuild the file so no free page keeps old bytes.
  SWEEP_RETURN_IF_ERROR(s->db->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  SWEEP_RETURN_IF_ERROR(s->db->Exec("VACUUM"));
  return s->db->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace sweep::field
