// sweep-hub: the station server. This build has the command frame only; the
// server, enrollment and sync arrive with the sync issue (see README).
#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"sweep-hub: the station server (enrollment, sync, merge, dashboard).", "sweep-hub"};
  app.footer("Exit codes: 0 ok, 2 usage.\nNot yet built: serve, enroll-code, devices, revoke.");
  app.require_subcommand(1);
  app.add_subcommand("version", "Print the version");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  std::cout << "sweep-hub 0.1.0 (store format 1)\n";
  return 0;
}
