// sweep-hub backup-key new | backup | restore (backup_commands.h).
#include "backup_commands.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "sweep/hub/backup.h"
#include "terminal.h"

namespace sweep::hubcli {
namespace {

// One progress line per stage, in KiB.
class StageProgress {
 public:
  explicit StageProgress(bool english) : english_(english) {}
  ~StageProgress() {
    if (line_) line_->Done();
  }
  void operator()(const char* stage, uint64_t done, uint64_t total) {
    if (stage_ != stage) {
      if (line_) line_->Done();
      stage_ = stage;
      line_ = std::make_unique<Progress>(std::string(stage) + (english_ ? ", KiB" : "，KiB"));
    }
    line_->Update(done / 1024, total / 1024);
  }

 private:
  bool english_;
  std::string stage_;
  std::unique_ptr<Progress> line_;
};

double Mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

BackupCli::BackupCli(CLI::App* app) {
  auto* key = app->add_subcommand("backup-key", "The operator's backup key");
  key->require_subcommand(1);
  key_new_ = key->add_subcommand("new",
                                 "Write a new random backup key (mode 0600, never "
                                 "overwrites); keep it apart from the backups");
  key_new_->add_option("--out", key_out_, "The key file to create")->required();

  backup_ = app->add_subcommand(
      "backup", "Encrypted, consistent backup of the hub database while `serve` runs");
  restore_ = app->add_subcommand(
      "restore", "Bring a hub back from a backup into --db (a new file unless --force)");
  for (auto* c : {backup_, restore_}) {
    c->add_option("--key", key_, "The backup key file (sweep-hub backup-key new)")->required();
    c->add_option("FILE", file_, "The backup file")->required();
  }
  backup_->add_flag("--force", force_, "Replace FILE if it exists");
  restore_->add_flag("--force", force_,
                     "Replace the database named by --db (stop `serve` on it first)");
}

bool BackupCli::RunWithoutStore(const std::string& db, bool english, Status* status) {
  auto T = [english](const char* zh, const char* en) { return english ? en : zh; };
  if (key_new_->parsed()) {
    *status = hub::WriteNewBackupKey(key_out_, Env::Default());
    if (status->ok()) {
      std::cout << T("已写入新的备份密钥 ", "new backup key written to ") << key_out_ << "\n";
      std::cerr << T("请与备份分开保管：没有它，备份无法恢复。",
                     "keep it apart from the backups: without it no backup can be restored.")
                << "\n";
    }
    return true;
  }
  if (backup_->parsed() && !db.empty() && access(db.c_str(), F_OK) != 0) {
    *status = Status::NotFound("no hub database " + db + " to back up (check --db)");
    return true;
  }
  if (!restore_->parsed()) return false;
  if (db.empty()) {
    *status = Status::InvalidArgument("--db FILE is required (the database to restore into)");
    return true;
  }
  auto key = hub::ReadBackupKey(key_);
  if (!key.ok()) {
    *status = key.status();
    return true;
  }
  StageProgress progress(english);
  int64_t start_us = Env::Default()->MonotonicMicros();
  auto report = hub::RestoreBackup(
      file_, *key, db, force_, [&](const char* s, uint64_t d, uint64_t t) { progress(s, d, t); });
  key->Wipe();
  *status = report.status();
  if (!report.ok()) return true;
  double secs = static_cast<double>(Env::Default()->MonotonicMicros() - start_us) / 1e6;
  const auto& b = report->backup;
  std::fprintf(stderr, "%.1f MiB in %.2f s (%.1f MiB/s)\n", Mib(b.size), secs,
               secs > 0 ? Mib(b.size) / secs : 0.0);
  std::cout << T("已恢复到 ", "restored into ") << db << "\n"
            << T("  中心 ", "  hub ") << b.hub_id << "\n"
            << T("  备份时间 ", "  backup made ") << LocalTime(b.created_ms) << "\n"
            << T("  架构版本 ", "  schema version ") << b.schema_version
            << T("（打开时已按常规迁移）", " (migrated on open as usual)") << "\n"
            << T("  记录版本 ", "  record versions ") << report->versions << "\n"
            << T("  设备 ", "  devices ") << report->devices << "\n"
            << T("  数据库 ", "  database ") << b.size
            << T(" 字节，完整性检查通过", " bytes, integrity_check ok") << "\n";
  return true;
}

bool BackupCli::Run(const Ctx& c, Status* status) {
  if (!backup_->parsed()) return false;
  auto key = hub::ReadBackupKey(key_);
  if (!key.ok()) {
    *status = key.status();
    return true;
  }
  StageProgress progress(c.english);
  int64_t start_us = Env::Default()->MonotonicMicros();
  auto info = hub::WriteBackup(c.service->store(), *key, file_, force_, Env::Default(),
                               [&](const char* s, uint64_t d, uint64_t t) { progress(s, d, t); });
  key->Wipe();
  *status = info.status();
  if (!info.ok()) return true;
  double secs = static_cast<double>(Env::Default()->MonotonicMicros() - start_us) / 1e6;
  std::cout << c.T("备份已写入 ", "backup written to ") << file_ << "\n"
            << c.T("  中心 ", "  hub ") << info->hub_id << c.T("，架构版本 ", ", schema version ")
            << info->schema_version << "\n"
            << c.T("  数据库 ", "  database ") << info->size << c.T(" 字节，", " bytes, ")
            << info->chunks << c.T(" 块，文件 ", " chunks, file ") << info->file_size
            << c.T(" 字节", " bytes") << "\n";
  std::fprintf(stderr, "%.1f MiB in %.2f s (%.1f MiB/s)\n", Mib(info->size), secs,
               secs > 0 ? Mib(info->size) / secs : 0.0);
  return true;
}

}  // namespace sweep::hubcli
