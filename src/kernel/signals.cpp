#include "signals.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sgk {

namespace {

sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
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
  if (thread_.joinable()) thread_.join();
}

void SignalWatcher::loop() {
  pthread_setname_np(pthread_self(), "sg-signals");
  sigset_t set = termination_set();
  bool first_seen = false;
  while (!stop_) {
    // A short timeout so the destructor can end the thread without sending a signal.
    timespec timeout{0, 200 * 1000 * 1000};
    int sig = sigtimedwait(&set, nullptr, &timeout);
    if (sig < 0) continue;  // EAGAIN (timeout) or EINTR
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
