// Child processes for the sync benchmark (the sweep-hub server, its admin
// commands, the PouchDB baseline) and the cleanup that must happen on every
// exit path, including SIGINT/SIGTERM: children are stopped and the
// benchmark's temporary folder is removed.
//
// A ChildProcess is owned by one thread. Spawn only from the main thread:
// children get PR_SET_PDEATHSIG, which fires when the spawning *thread* ends.
// The cleanup registry is thread-safe.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "sweep/schema/status.h"

namespace sweep::bench {

class ChildProcess {
 public:
  struct Options {
    bool capture_stdout = false;  // false: stdout goes to log_path too
    std::string log_path;         // stderr (appended); empty: /dev/null
    int stop_signal = SIGTERM;    // sent first by Stop() and by the signal cleanup
  };
  // Starts argv[0] (searched in PATH if it has no '/'), stdin from /dev/null.
  static Result<std::unique_ptr<ChildProcess>> Spawn(const std::vector<std::string>& argv,
                                                     const Options& options);
  // Stops the child (see Stop) if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Reads what stdout has (capture_stdout only), waiting up to `ms`.
  // Returns false once stdout is at end of file.
  bool Pump(int ms);
  const std::string& out() const { return out_; }
  // Whether the child has ended (reaps it if so).
  bool Exited();
  // Reads stdout to its end, then reaps. Returns the exit code, or
  // 128 + signal if the child was killed.
  int Wait();
  // Sends the stop signal, waits up to `grace_ms`, then SIGKILL. Returns as Wait().
  int Stop(int grace_ms);

 private:
  ChildProcess(pid_t pid, int out_fd, int stop_signal)
      : pid_(pid), out_fd_(out_fd), stop_signal_(stop_signal) {}
  int Reap(bool block);
  pid_t pid_;
  int out_fd_;
  int stop_signal_;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::string out_;
};

// Runs argv to its end and returns its stdout; fails with the log's tail if
// the exit code is not 0.
Result<std::string> RunCommand(const std::vector<std::string>& argv, const std::string& log_path);

// The last `lines` lines of a text file ("" if unreadable).
std::string TailOfFile(const std::string& path, int lines);

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (call it in main
// before starting any thread, so that all threads inherit the mask) and
// starts a thread that, on one of them, stops the registered children,
// removes the registered folders and exits with `exit_code`.
void InstallSignalCleanup(int exit_code);
void RegisterCleanupDir(const std::string& path);
// True once that thread has begun: the main thread should then report
// nothing more (its failures are the cleanup's doing) and wait for the exit.
bool StoppingOnSignal();
void UnregisterCleanupDir(const std::string& path);

// Whether an executable named `name` is in PATH.
bool InPath(const std::string& name);

}  // namespace sweep::bench
