// sweep-hub user add|passwd|list|disable: the station dashboard's accounts.
#include "user_commands.h"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "audit_commands.h"
#include "sweep/hub/dashboard_users.h"
#include "terminal.h"

namespace sweep::hubcli {

using namespace sweep::hub;

namespace {

constexpr const char* kUserFooter = R"(Exit codes:
  0 ok                  2 invalid input (id, role, agency, password under 10 characters)
  3 no such user        5 I/O error (database)
  9 the user id exists already
The password is read from standard input, one line (not echoed on a terminal):
  printf '%s\n' "$PASSWORD" | sweep-hub --db hub.db user add --id S9001 --name 王敏 --role supervisor
Sign in at https://<hub>/dash/ (docs/api.md "Station dashboard").)";

// A password from standard input: one line, echo off on a terminal. The
// caller wipes it (Wiped).
Result<std::string> ReadPassword(bool english) {
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    std::cerr << (english ? "password (at least 10 characters): " : "密码（至少 10 个字符）：")
              << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool read = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!read) {
    return Status::InvalidArgument(
        "no password on standard input: give it as one line, e.g. printf '%s\\n' \"$PW\" | "
        "sweep-hub … user add …");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Wipes a password when it goes out of scope.
struct Wiped {
  std::string value;
  ~Wiped() { sodium_memzero(value.data(), value.size()); }
};

Status WithPassword(const Ctx& c, const std::function<Status(std::string_view)>& use) {
  SWEEP_ASSIGN_OR_RETURN(std::string line, ReadPassword(c.english));
  Wiped password{std::move(line)};
  return use(password.value);
}

Status CmdList(const Ctx& c) {
  Accounts accounts(c.service->store(), c.service->env());
  SWEEP_ASSIGN_OR_RETURN(auto users, accounts.List());
  for (const UserRow& u : users) {
    if (c.json) {
      std::cout << "{\"user_id\":" << JsonString(u.user_id) << ",\"name\":" << JsonString(u.name)
                << ",\"role\":" << JsonString(u.role) << ",\"agency\":" << JsonString(u.agency)
                << ",\"disabled\":" << (u.disabled ? "true" : "false")
                << ",\"created_ms\":" << u.created_ms << ",\"failed_signins\":" << u.failed_signins
                << "}\n";
      continue;
    }
    std::cout << u.user_id << "  " << u.name << "  " << u.role << "  " << u.agency << "  "
              << (u.disabled ? c.T("已停用", "disabled") : c.T("启用", "active"))
              << c.T("  创建 ", "  created ") << LocalTime(u.created_ms);
    if (u.failed_signins > 0) {
      std::cout << c.T("  连续输错 ", "  wrong passwords in a row ") << u.failed_signins;
    }
    std::cout << "\n";
  }
  if (!c.json) std::cout << users.size() << c.T(" 个用户\n", " users\n");
  return Status::Ok();
}

}  // namespace

UserCli::UserCli(CLI::App* app) {
  auto* user = app->add_subcommand("user", "Station dashboard accounts (sign-in at /dash/)");
  user->require_subcommand(1);
  user->footer(kUserFooter);
  add_ = user->add_subcommand("add", "Add an account; its password is read from standard input");
  add_->add_option("--id", id_, "User id (letters, digits, . _ -)")->required();
  add_->add_option("--name", name_, "The person's name")->required();
  add_->add_option("--role", role_, "supervisor | admin | regulator")
      ->required()
      ->check(CLI::IsMember({"supervisor", "admin", "regulator"}));
  add_->add_option("--agency", agency_, "police (default) | market_regulation | tax | commerce")
      ->check(CLI::IsMember({"police", "market_regulation", "tax", "commerce"}));
  passwd_ = user->add_subcommand("passwd", "Set a new password (from standard input)");
  passwd_->add_option("--id", id_, "User id")->required();
  list_ = user->add_subcommand("list", "List the accounts (never their passwords)");
  list_->add_flag("--json", json_, "JSON lines");
  disable_ = user->add_subcommand("disable", "Disable an account: its sessions end at once");
  disable_->add_option("--id", id_, "User id")->required();
  role_cmd_ = user->add_subcommand(
      "role", "Change an account's role (and agency): its sessions end at their next request");
  role_cmd_->add_option("--id", id_, "User id")->required();
  role_cmd_->add_option("--role", role_, "supervisor | admin | regulator")
      ->required()
      ->check(CLI::IsMember({"supervisor", "admin", "regulator"}));
  role_cmd_->add_option("--agency", agency_, "police (default) | market_regulation | tax | commerce")
      ->check(CLI::IsMember({"police", "market_regulation", "tax", "commerce"}));
  for (auto* c : {add_, passwd_, list_, disable_, role_cmd_}) c->footer(kUserFooter);
}

bool UserCli::Run(const Ctx& c, Status* status) {
  Accounts accounts(c.service->store(), c.service->env());
  if (add_->parsed()) {
    *status = WithPassword(
        c, [&](std::string_view pw) { return accounts.Add(id_, name_, role_, agency_, pw); });
    if (status->ok()) {
      *status = AuditCliEntry(c, "", "role_change", "user:" + id_,
                              AuditDetail({{"from", ""}, {"to", role_}, {"agency", agency_}}));
    }
    if (status->ok())
      std::cout << c.T("已添加用户 ", "added user ") << id_ << " (" << role_ << ")\n";
  } else if (role_cmd_->parsed()) {
    auto before = accounts.SetRole(id_, role_, agency_);
    *status = before.status();
    if (status->ok()) {
      *status = AuditCliEntry(c, "", "role_change", "user:" + id_,
                              AuditDetail({{"from", *before}, {"to", role_ + "/" + agency_}}));
    }
    if (status->ok()) {
      std::cout << c.T("已更改角色：", "role changed: ") << id_ << " " << *before << " → "
                << role_ << "/" << agency_ << "\n";
    }
  } else if (passwd_->parsed()) {
    *status = WithPassword(c, [&](std::string_view pw) { return accounts.SetPassword(id_, pw); });
    if (status->ok()) std::cout << c.T("已更改密码：", "password changed: ") << id_ << "\n";
  } else if (list_->parsed()) {
    *status = CmdList(c);
  } else if (disable_->parsed()) {
    *status = accounts.Disable(id_);
    if (status->ok()) {
      *status = AuditCliEntry(c, "", "role_change", "user:" + id_,
                              AuditDetail({{"from", "active"}, {"to", "disabled"}}));
    }
    if (status->ok()) std::cout << c.T("已停用用户 ", "disabled user ") << id_ << "\n";
  } else {
    return false;
  }
  return true;
}

}  // namespace sweep::hubcli
