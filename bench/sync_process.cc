#include "sync_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace sweep::bench {
namespace {

// What the signal thread must undo: running children and the temp folders.
struct CleanupRegistry {
  std::mutex mu;
  std::map<pid_t, int> children;  // pid -> stop signal
  std::set<std::string> dirs;
};

std::atomic<bool> g_stopping{false};

CleanupRegistry& Registry() {
  static CleanupRegistry* r = new CleanupRegistry;  // never destroyed: used at exit
  return *r;
}

void CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

int ExitCodeOf(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return -1;
}

// Stops `pid` with `sig`, then SIGKILL after two seconds. Tolerates a pid
// that another thread reaps meanwhile.
void StopForCleanup(pid_t pid, int sig) {
  ::kill(pid, sig);
  for (int i = 0; i < 200; ++i) {
    int ws = 0;
    pid_t r = ::waitpid(pid, &ws, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  int ws = 0;
  ::waitpid(pid, &ws, 0);
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(const std::vector<std::string>& argv,
                                                          const Options& options) {
  if (argv.empty()) return Status::InvalidArgument("no command to run");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  const std::string log = options.log_path.empty() ? "/dev/null" : options.log_path;
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
      (options.capture_stdout && ::pipe2(out, O_CLOEXEC) != 0)) {
    std::string why = std::strerror(errno);
    for (int* fd : {&log_fd, &null_fd, &out[0], &out[1], &err[0], &err[1]}) CloseFd(fd);
    return Status::IOError("cannot prepare to run " + argv[0] + ": " + why + " (log " + log + ")");
  }
  const pid_t parent = ::getpid();
  std::unique_lock<std::mutex> lock(Registry().mu);  // the signal thread sees every child
  pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(null_fd, 0);
    ::dup2(options.capture_stdout ? out[1] : log_fd, 1);
    ::dup2(log_fd, 2);
    ::execvp(args[0], args.data());
    int e = errno;
    (void)!::write(err[1], &e, sizeof e);
    ::_exit(127);
  }
  if (pid > 0) Registry().children[pid] = options.stop_signal;
  lock.unlock();
  const int fork_errno = errno;
  for (int* fd : {&log_fd, &null_fd, &out[1], &err[1]}) CloseFd(fd);
  if (pid < 0) {
    for (int* fd : {&out[0], &err[0]}) CloseFd(fd);
    return Status::IOError("cannot start " + argv[0] + ": " + std::strerror(fork_errno));
  }
  auto child = std::unique_ptr<ChildProcess>(new ChildProcess(pid, out[0], options.stop_signal));
  int exec_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(err[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  CloseFd(&err[0]);
  if (n > 0) {
    child->Wait();
    return Status::NotFound("cannot run " + argv[0] + ": " + std::strerror(exec_errno));
  }
  return child;
}

ChildProcess::~ChildProcess() {
  if (!reaped_) Stop(5000);
  CloseFd(&out_fd_);
}

bool ChildProcess::Pump(int ms) {
  if (out_fd_ < 0) return false;
  pollfd p{out_fd_, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return true;
  char buf[65536];
  ssize_t n = ::read(out_fd_, buf, sizeof buf);
  if (n > 0) {
    out_.append(buf, static_cast<size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  CloseFd(&out_fd_);
  return false;
}

int ChildProcess::Reap(bool block) {
  if (reaped_) return exit_code_;
  int ws = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &ws, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return -1;  // still running
  reaped_ = true;
  exit_code_ = r == pid_ ? ExitCodeOf(ws) : -1;
  std::lock_guard<std::mutex> lock(Registry().mu);
  Registry().children.erase(pid_);
  return exit_code_;
}

bool ChildProcess::Exited() {
  Reap(false);
  return reaped_;
}

int ChildProcess::Wait() {
  while (Pump(1000)) {
  }
  return Reap(true);
}

int ChildProcess::Stop(int grace_ms) {
  if (reaped_) return exit_code_;
  CloseFd(&out_fd_);  // a child blocked writing to us gets EPIPE instead
  ::kill(pid_, stop_signal_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    Reap(false);
    if (reaped_) return exit_code_;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  return Reap(true);
}

Result<std::string> RunCommand(const std::vector<std::string>& argv, const std::string& log_path) {
  ChildProcess::Options opt;
  opt.capture_stdout = true;
  opt.log_path = log_path;
  SWEEP_ASSIGN_OR_RETURN(auto child, ChildProcess::Spawn(argv, opt));
  int code = child->Wait();
  if (code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return Status::IOError("`" + cmd + "` exited with " + std::to_string(code) + ":\n" +
                           TailOfFile(log_path, 10));
  }
  return child->out();
}

std::string TailOfFile(const std::string& path, int lines) {
  std::ifstream in(path);
  if (!in) return "";
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  size_t from = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  for (size_t i = from; i < all.size(); ++i) out += "  | " + all[i] + "\n";
  return out;
}

void InstallSignalCleanup(int exit_code) {
  static sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([exit_code] {
    int sig = 0;
    if (::sigwait(&set, &sig) != 0) return;
    g_stopping.store(true);
    std::fprintf(stderr, "\nsync_bench: %s: stopping the hub and removing temporary files\n",
                 ::strsignal(sig));
    std::map<pid_t, int> children;
    std::set<std::string> dirs;
    {
      std::lock_guard<std::mutex> lock(Registry().mu);
      children = Registry().children;
      dirs = Registry().dirs;
    }
    for (const auto& [pid, stop] : children) StopForCleanup(pid, stop);
    for (const auto& d : dirs) {
      std::error_code ec;
      for (int attempt = 0; attempt < 3 && std::filesystem::exists(d, ec); ++attempt) {
        std::filesystem::remove_all(d, ec);  // the main thread may still be writing there
      }
    }
    std::fflush(nullptr);
    ::_exit(exit_code);
  }).detach();
}

bool StoppingOnSignal() { return g_stopping.load(); }

void RegisterCleanupDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(Registry().mu);
  Registry().dirs.insert(path);
}

void UnregisterCleanupDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(Registry().mu);
  Registry().dirs.erase(path);
}

bool InPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::stringstream ss(path);
  for (std::string dir; std::getline(ss, dir, ':');) {
    const std::string full = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (::access(full.c_str(), X_OK) == 0 && !std::filesystem::is_directory(full)) return true;
  }
  return false;
}

}  // namespace sweep::bench
