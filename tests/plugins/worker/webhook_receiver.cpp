#include "webhook_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace wtest {

namespace bhttp = boost::beast::http;

struct WebhookReceiver::State {
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<Request> requests;
  std::deque<int> script;
  int fallback = 200;
  bool hang = false;
  bool stopping = false;
  std::string extra_header_name, extra_header_value, body = "ok";
  std::vector<std::thread> connections;
  std::vector<int> fds;
};

WebhookReceiver::WebhookReceiver() : state_(std::make_shared<State>()) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("webhook receiver: cannot listen on 127.0.0.1");
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

WebhookReceiver::~WebhookReceiver() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
    for (int fd : state_->fds) ::shutdown(fd, SHUT_RDWR);
  }
  state_->cv.notify_all();
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes the blocking accept()
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> conns;
  {
    std::lock_guard lock(state_->mu);
    conns.swap(state_->connections);
  }
  for (auto& t : conns) t.join();
}

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void WebhookReceiver::script(std::vector<int> statuses, int fallback) {
  std::lock_guard lock(state_->mu);
  state_->script.assign(statuses.begin(), statuses.end());
  state_->fallback = fallback;
}

void WebhookReceiver::hang() {
  std::lock_guard lock(state_->mu);
  state_->hang = true;
}

void WebhookReceiver::answer_with(int status, std::string header_name, std::string header_value,
                                  std::string body) {
  std::lock_guard lock(state_->mu);
  state_->fallback = status;
  state_->extra_header_name = std::move(header_name);
  state_->extra_header_value = std::move(header_value);
  state_->body = std::move(body);
}

std::vector<WebhookReceiver::Request> WebhookReceiver::requests() const {
  std::lock_guard lock(state_->mu);
  return state_->requests;
}

size_t WebhookReceiver::count() const {
  std::lock_guard lock(state_->mu);
  return state_->requests.size();
}

bool WebhookReceiver::wait_for(size_t n, std::chrono::milliseconds limit) const {
  std::unique_lock lock(state_->mu);
  return state_->cv.wait_for(lock, limit, [&] { return state_->requests.size() >= n; });
}

void WebhookReceiver::accept_loop() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    std::lock_guard lock(state_->mu);
    if (state_->stopping) {
      if (fd >= 0) ::close(fd);
      return;
    }
    if (fd < 0) continue;
    state_->fds.push_back(fd);
    state_->connections.emplace_back([this, fd] { serve(fd); });
  }
}

void WebhookReceiver::serve(int fd) {
  // Blocking reads on the raw socket, fed to Beast's parser.
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(1 << 20);
  std::string buffer;
  char chunk[4096];
  boost::beast::error_code ec;
  bool done = false;
  parser.eager(true);
  bool failed = false;
  while (!done && !failed) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    // Feed what is buffered until the parser needs more bytes than we have.
    while (!buffer.empty() && !done) {
      size_t used = parser.put(boost::asio::buffer(buffer), ec);
      buffer.erase(0, used);
      if (ec == bhttp::error::need_more) {
        ec = {};
        break;
      }
      if (ec) {
        failed = true;
        break;
      }
      done = parser.is_done();
      if (used == 0) break;
    }
  }
  int status = 0;
  std::string name, value, body;
  {
    std::lock_guard lock(state_->mu);
    if (done) {
      const auto& req = parser.get();
      Request r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      for (const auto& f : req) {
        std::string key(f.name_string());
        std::transform(key.begin(), key.end(), key.begin(), ::tolower);
        r.headers[key] = std::string(f.value());
      }
      r.body = req.body();
      state_->requests.push_back(std::move(r));
      state_->cv.notify_all();
    }
    if (!state_->script.empty()) {
      status = state_->script.front();
      state_->script.pop_front();
    } else {
      status = state_->fallback;
    }
    name = state_->extra_header_name;
    value = state_->extra_header_value;
    body = state_->body;
  }
  if (done) {
    std::unique_lock lock(state_->mu);
    if (state_->hang) {
      state_->cv.wait(lock, [&] { return state_->stopping; });
    } else {
      lock.unlock();
      std::string head = "HTTP/1.1 " + std::to_string(status) +
                         " X\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n";
      if (!name.empty()) head += name + ": " + value + "\r\n";
      std::string out = head + "\r\n" + body;
      size_t off = 0;
      while (off < out.size()) {
        ssize_t w = ::send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += static_cast<size_t>(w);
      }
    }
  }
  std::lock_guard lock(state_->mu);
  auto it = std::find(state_->fds.begin(), state_->fds.end(), fd);
  if (it != state_->fds.end()) state_->fds.erase(it);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

}  // namespace wtest
