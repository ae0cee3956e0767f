// Runs the real binaries for functional tests: a child process with its
// standard input fed from a string and its output captured.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace sweep::testing {

struct RunResult {
  int exit_code = -1;  // -signal if killed
  std::string out, err;
};

// A running child with pipes to its stdin and from its stdout/stderr.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    int in[2], out[2], err[2];
    if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
      posix_spawn_file_actions_addclose(&fa, fd);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    in_ = in[1];
    out_ = out[0];
    err_ = err[0];
    signal(SIGPIPE, SIG_IGN);
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      Wait();
    }
    for (int fd : {in_, out_, err_}) {
      if (fd >= 0) close(fd);
    }
  }
  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  void Write(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = write(in_, s.data() + off, s.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  void CloseStdin() {
    if (in_ >= 0) close(in_);
    in_ = -1;
  }
  // Reads what is available on stdout and stderr, waiting up to `ms`.
  void Pump(int ms) {
    pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
    if (poll(fds, 2, ms) <= 0) return;
    char buf[65536];
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      ssize_t n = read(out_, buf, sizeof buf);
      if (n > 0) out.append(buf, static_cast<size_t>(n));
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      ssize_t n = read(err_, buf, sizeof buf);
      if (n > 0) err.append(buf, static_cast<size_t>(n));
    }
  }
  int Wait() {
    CloseStdin();
    // Drain both pipes until EOF so a chatty child cannot block.
    for (;;) {
      pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
      if (poll(fds, 2, 100) < 0) break;
      char buf[65536];
      bool open = false;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].revents & (POLLIN | POLLHUP)) {
          ssize_t n = read(fds[i].fd, buf, sizeof buf);
          if (n > 0) (i == 0 ? out : err).append(buf, static_cast<size_t>(n));
          if (n > 0) open = true;
        } else if (fds[i].revents == 0) {
          open = true;
        }
      }
      if (!open) break;
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  std::string out, err;

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool reaped_ = false;
};

inline RunResult Run(const std::vector<std::string>& argv, const std::string& input = "") {
  Child c(argv);
  RunResult r;
  if (!c.started()) return r;
  c.Write(input);
  r.exit_code = c.Wait();
  r.out = c.out;
  r.err = c.err;
  return r;
}

}  // namespace sweep::testing
