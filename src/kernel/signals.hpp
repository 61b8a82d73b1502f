// SIGINT/SIGTERM handling: the first signal asks for a graceful shutdown, a second one exits
// at once with status 130. Signals are blocked in every thread and taken by one watcher
// thread with sigtimedwait, so no work happens in async-signal context.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace sgk {

// Blocks SIGINT/SIGTERM and SIGUSR2 (the watcher's wake-up) (inherited by threads created
// afterwards) and ignores SIGPIPE (a peer closing a socket must be an EPIPE error, not a dead
// server). Call first in main().
void block_termination_signals();

class SignalWatcher {
 public:
  // `on_first(signal)` runs on the watcher thread at the first SIGINT/SIGTERM.
  explicit SignalWatcher(std::function<void(int)> on_first);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  void loop();
  std::function<void(int)> on_first_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sgk
