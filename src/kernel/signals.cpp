#include "signals.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sgk {

namespace {

// SIGUSR2 only wakes the watcher when it is destroyed (sent with pthread_kill).
constexpr int kWakeSignal = SIGUSR2;

sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, kWakeSignal);
  return set;
}

}  // namespace

void block_termination_signals() {
  sigset_t set = termination_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, nullptr);
}

SignalWatcher::SignalWatcher(std::function<void(int)> on_first)
    : on_first_(std::move(on_first)), thread_([this] { loop(); }) {}

SignalWatcher::~SignalWatcher() {
  stop_ = true;
  if (thread_.joinable()) {
    pthread_kill(thread_.native_handle(), kWakeSignal);
    thread_.join();
  }
}

void SignalWatcher::loop() {
  pthread_setname_np(pthread_self(), "sg-signals");
  sigset_t set = termination_set();
  // Normally inherited from main(); blocking here too makes the wake-up signal safe even if
  // block_termination_signals() was not called first.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  bool first_seen = false;
  while (!stop_) {
    // The timeout is only a safety net: the destructor wakes us with kWakeSignal.
    timespec timeout{1, 0};
    int sig = sigtimedwait(&set, nullptr, &timeout);
    if (sig < 0 || sig == kWakeSignal) continue;  // timeout, EINTR or wake-up
    if (!first_seen) {
      first_seen = true;
      on_first_(sig);
      continue;
    }
    static constexpr char kMsg[] = "streamgate: second signal received, exiting immediately\n";
    ssize_t ignored = ::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    (void)ignored;
    _exit(130);
  }
}

}  // namespace sgk
