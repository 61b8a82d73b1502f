// The listener and the network threads: accept, hand each connection to a worker, and
// drain gracefully on stop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "context.hpp"
#include "worker.hpp"

namespace sg::gateway {

class Server {
 public:
  explicit Server(Context& ctx) : ctx_(ctx) {}
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // Binds, listens and starts the threads; throws sg::Error with a clear message on failure.
  // Connections wait in the listen backlog until open_for_traffic().
  void start();
  // Starts accepting connections (idempotent, any thread).
  void open_for_traffic();
  // Stops accepting, lets in-flight requests finish until `deadline`, then closes the rest
  // and joins the threads.
  void stop(std::chrono::milliseconds deadline);
  std::uint16_t port() const { return port_; }
  bool running() const { return running_; }

 private:
  void accept_next();
  void refuse(boost::asio::ip::tcp::socket& socket);
  template <class Fn>
  void on_every_worker(Fn fn);

  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  Context& ctx_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Guard> guards_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::optional<boost::asio::steady_timer> accept_backoff_;
  std::optional<boost::asio::ssl::context> tls_;
  std::size_t next_worker_ = 0;
  std::uint16_t port_ = 0;
  bool running_ = false;
  std::atomic<bool> accepting_{false};
};

}  // namespace sg::gateway
