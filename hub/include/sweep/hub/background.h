// BackgroundLoop: a thread that runs a pass of work whenever it was woken
// since its last pass. Wakes during a pass coalesce into one more pass; a
// pass that failed runs again `retry` later, or sooner if woken. The thread
// blocks every signal (`serve` waits for SIGTERM on a thread of its own).
// Used by the ledger's catch-up, the merge and the WAL checkpointer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace sweep::hub {

class BackgroundLoop {
 public:
  // `pass` returns false when it failed (then it is retried).
  BackgroundLoop(std::function<bool()> pass, std::chrono::milliseconds retry);
  ~BackgroundLoop();  // Stop()
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  // Starts the thread (once); with `pass_now` it runs a first pass at once,
  // else it waits for the first Wake().
  void Start(bool pass_now);
  void Wake();
  // Stops the thread after the pass it is running, if any. Start may follow.
  void Stop();

 private:
  void Loop();

  const std::function<bool()> pass_;
  const std::chrono::milliseconds retry_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace sweep::hub
