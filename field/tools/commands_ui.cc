// `sweep-field ui`: the tablet screen on 127.0.0.1 until SIGINT/SIGTERM.
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>

#include <csignal>
#include <iostream>

#include "commands.h"
#include "sweep/field/ui_server.h"

extern char** environ;

namespace sweep::cli {

namespace {

// Starts Debian's Chromium full screen on the address (the tablet's kiosk).
void OpenKiosk(const std::string& url) {
  std::string app = "--app=" + url;
  const char* argv[] = {"chromium", "--kiosk", app.c_str(), "--no-first-run",
                        "--disable-background-networking", "--disable-sync",
                        "--disable-component-update", nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "chromium", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
    std::cerr << "sweep-field: cannot start chromium (apt install chromium); open the address "
                 "above by hand\n";
  }
}

}  // namespace

Status CmdUi(const Globals& g, const UiArgs& a) {
  // SIGINT/SIGTERM end the screen: wait for them on this thread, with every
  // other thread (the server's) started with both blocked.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  SWEEP_ASSIGN_OR_RETURN(auto store, field::Store::Open(g.store_dir, Env::Default()));
  field::UiOptions options;
  options.port = a.port;
  options.secret = field::NewUiSecret();
  options.idle_lock_ms = static_cast<int64_t>(a.idle_lock_minutes * 60'000);
  field::UiServer server(store.get(), options);
  SWEEP_RETURN_IF_ERROR(server.Start());
  std::cout << (g.english ? "tablet screen: " : "平板界面: ") << server.url() << std::endl;
  if (a.kiosk) OpenKiosk(server.url());
  int sig = 0;
  sigwait(&stop, &sig);
  server.Stop();
  store->Lock();
  return Status::Ok();
}

}  // namespace sweep::cli
