// The CLI11 definitions of `backup-key new`, `backup` and `restore`
// (encrypted online backups, docs/hub-storage.md "Backups") and their
// dispatch. The commands only parse, call sweep/hub/backup.h and print.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "commands.h"

namespace sweep::hubcli {

class BackupCli {
 public:
  // Adds the commands to `app`.
  explicit BackupCli(CLI::App* app);
  // `backup-key new` and `restore`, which must run before the hub database
  // is opened (restore refuses an existing one): whether one was parsed;
  // if so runs it into *status.
  bool RunWithoutStore(const std::string& db, bool english, Status* status);
  // `backup`: whether it was parsed; if so runs it into *status.
  bool Run(const Ctx& c, Status* status);

 private:
  std::string key_out_, key_, file_;
  bool force_ = false;
  CLI::App *key_new_ = nullptr, *backup_ = nullptr, *restore_ = nullptr;
};

}  // namespace sweep::hubcli
