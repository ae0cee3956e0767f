#include "sweep/hub/background.h"

#include <pthread.h>

#include <csignal>

namespace sweep::hub {

BackgroundLoop::BackgroundLoop(std::function<bool()> pass, std::chrono::milliseconds retry)
    : pass_(std::move(pass)), retry_(retry) {}

BackgroundLoop::~BackgroundLoop() { Stop(); }

void BackgroundLoop::Start(bool pass_now) {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  if (pass_now) pending_ = true;
  // The thread inherits the mask in force here: block everything around its
  // creation so that no signal reaches it even before it runs.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  thread_ = std::thread([this] { Loop(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void BackgroundLoop::Wake() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

void BackgroundLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundLoop::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (!pending_) {
      cv_.wait(lock);
      continue;
    }
    pending_ = false;
    lock.unlock();
    const bool ok = pass_();
    lock.lock();
    if (!ok) {  // try again later, or sooner if woken
      cv_.wait_for(lock, retry_, [this] { return stop_ || pending_; });
      pending_ = true;
    }
  }
}

}  // namespace sweep::hub
