#include "server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <future>
#include <thread>

#include <boost/asio/post.hpp>

#include "exchange.hpp"
#include "session.hpp"

namespace sg::gateway {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Server::~Server() {
  if (running_) stop(std::chrono::milliseconds(0));
}

void Server::start() {
  const auto& cfg = ctx_.cfg;
  if (cfg.tls.enabled) {
    tls_.emplace(asio::ssl::context::tls_server);
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    boost::system::error_code ec;
    tls_->use_certificate_chain_file(cfg.tls.cert_file, ec);
    if (ec)
      throw sg::Error(SG_ERR_INVALID, "tls.cert_file '" + cfg.tls.cert_file + "': " + ec.message());
    tls_->use_private_key_file(cfg.tls.key_file, asio::ssl::context::pem, ec);
    if (ec)
      throw sg::Error(SG_ERR_INVALID, "tls.key_file '" + cfg.tls.key_file + "': " + ec.message());
  }

  for (unsigned i = 0; i < cfg.threads; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    guards_.emplace_back(workers_.back()->ioc.get_executor());
  }

  boost::system::error_code ec;
  auto address = asio::ip::make_address(cfg.host, ec);
  if (ec)
    throw sg::Error(SG_ERR_INVALID, "plugins.gateway.host '" + cfg.host + "' is not an IP address");
  tcp::endpoint ep(address, cfg.port);
  acceptor_.emplace(workers_.front()->ioc);
  accept_backoff_.emplace(workers_.front()->ioc);
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw sg::Error(SG_ERR_UNAVAILABLE, "cannot listen on " + cfg.host + ":" +
                                            std::to_string(cfg.port) + ": " + ec.message());
  }
  port_ = acceptor_->local_endpoint().port();

  // Connection deadlines are checked by one periodic sweep per worker: fine enough for the
  // shortest configured timeout, at most once a second.
  const auto shortest =
      std::min({cfg.limits.header_timeout, cfg.limits.body_timeout, cfg.limits.idle_timeout});
  const auto sweep_period =
      std::clamp(shortest / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  for (auto& w : workers_) w->start_sweep(sweep_period);

  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->thread = std::thread([worker] {
      for (;;) {
        try {
          worker->ioc.run();
          return;
        } catch (const std::exception&) {
          // A handler threw; keep serving the other connections on this thread.
        }
      }
    });
    worker->thread_id = worker->thread.get_id();
  }
  running_ = true;
}

void Server::open_for_traffic() {
  if (!running_ || accepting_.exchange(true)) return;
  asio::post(workers_.front()->ioc, [this] { accept_next(); });
}

void Server::accept_next() {
  if (!acceptor_ || !acceptor_->is_open()) return;
  Worker& target = *workers_[next_worker_];
  next_worker_ = (next_worker_ + 1) % workers_.size();
  acceptor_->async_accept(
      target.ioc, [this, &target](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
        if (!ec) {
          std::uint64_t open = ctx_.open_connections.fetch_add(1, std::memory_order_relaxed);
          ctx_.observer.connection_opened();
          if (open >= ctx_.cfg.limits.max_connections || ctx_.draining.load()) {
            refuse(socket);
            ctx_.open_connections.fetch_sub(1, std::memory_order_relaxed);
            ctx_.observer.connection_closed();
          } else {
            asio::post(target.ioc, [this, &target, s = std::move(socket)]() mutable {
              if (tls_)
                start_tls_session(ctx_, target, std::move(s), *tls_);
              else
                start_plain_session(ctx_, target, std::move(s));
            });
          }
        } else if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) {
          // Out of file descriptors: back off briefly, without blocking this network
          // thread, instead of spinning on accept.
          accept_backoff_->expires_after(std::chrono::milliseconds(20));
          accept_backoff_->async_wait([this](boost::system::error_code wec) {
            if (!wec) accept_next();
          });
          return;
        }
        accept_next();
      });
}

// Over max_connections: a best-effort 503 (never blocking the accept thread), then close.
void Server::refuse(tcp::socket& socket) {
  if (!tls_) {
    static const std::string kBusy = [] {
      std::string body = error_json("too_many_connections", "server is at its connection limit");
      return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
             "Connection: close\r\nRetry-After: 1\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    [[maybe_unused]] ssize_t n =
        ::send(socket.native_handle(), kBusy.data(), kBusy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

template <class Fn>
void Server::on_every_worker(Fn fn) {
  for (auto& w : workers_) {
    Worker* worker = w.get();
    asio::post(worker->ioc, [worker, fn] {
      // Copy first: closing a session removes it from the registry.
      std::vector<std::shared_ptr<SessionControl>> sessions;
      sessions.reserve(worker->sessions.size());
      for (auto& [raw, weak] : worker->sessions)
        if (auto s = weak.lock()) sessions.push_back(std::move(s));
      for (auto& s : sessions) fn(*s);
    });
  }
}

void Server::stop(std::chrono::milliseconds deadline) {
  if (!running_) return;
  const auto until = std::chrono::steady_clock::now() + deadline;
  ctx_.draining.store(true);
  {
    std::promise<void> closed;
    auto done = closed.get_future();
    asio::post(workers_.front()->ioc, [this, &closed] {
      boost::system::error_code ignored;
      acceptor_->close(ignored);
      accept_backoff_->cancel();
      closed.set_value();
    });
    done.wait_for(std::chrono::seconds(5));
  }
  on_every_worker([](SessionControl& s) { s.drain(); });
  while (ctx_.open_connections.load() > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  on_every_worker([](SessionControl& s) { s.force_close(); });
  // Give the force-close a moment to run before stopping the loops.
  const auto grace = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (ctx_.open_connections.load() > 0 && std::chrono::steady_clock::now() < grace)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  guards_.clear();
  for (auto& w : workers_) w->ioc.stop();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
  running_ = false;
}

}  // namespace sg::gateway
