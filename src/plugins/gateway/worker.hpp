// A network thread with its own io_context and the connections it owns. Connections are
// touched only from their worker's thread, so the registry needs no lock.
#pragma once

#include <chrono>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sg::gateway {

class SessionControl {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~SessionControl() = default;
  virtual void drain() = 0;        // close when idle, else after the current response
  virtual void force_close() = 0;  // close now (in-flight exchanges become cancelled)
  // The worker's periodic sweep: true when the connection has something to do at `now`
  // (a deadline passed, or it has been idle long enough to give its buffers back);
  // on_sweep then does it. Connections keep one coarse deadline instead of a timer per
  // operation (no timerfd re-arm per read or write).
  virtual bool due(Clock::time_point now) const = 0;
  virtual void on_sweep(Clock::time_point now) = 0;
};

struct Worker {
  boost::asio::io_context ioc{1};
  std::thread thread;
  std::thread::id thread_id;  // written once before any connection exists
  std::unordered_map<SessionControl*, std::weak_ptr<SessionControl>> sessions;
  boost::asio::steady_timer sweep_timer{ioc};

  // Runs due connections' deadlines, then again after `period` (on this worker's thread).
  void start_sweep(std::chrono::milliseconds period) {
    sweep_timer.expires_after(period);
    sweep_timer.async_wait([this, period](boost::system::error_code ec) {
      if (ec) return;
      sweep(SessionControl::Clock::now());
      start_sweep(period);
    });
  }

  void sweep(SessionControl::Clock::time_point now) {
    // Collect first: acting may close a session, which removes it from the registry.
    std::vector<std::shared_ptr<SessionControl>> due;
    for (auto& [raw, weak] : sessions)
      if (!weak.expired() && raw->due(now))
        if (auto s = weak.lock()) due.push_back(std::move(s));
    for (auto& s : due) s->on_sweep(now);
  }
};

}  // namespace sg::gateway
