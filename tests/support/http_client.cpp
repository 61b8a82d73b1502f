#include "http_client.hpp"

#include <strings.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace sgtest {
namespace beast = boost::beast;
namespace http_ns = boost::beast::http;
using tcp = boost::asio::ip::tcp;

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  return {};
}

bool HttpResponse::has_header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return true;
  return false;
}

nlohmann::json HttpResponse::json() const {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded())
    throw std::runtime_error("response body is not JSON (status " + std::to_string(status) +
                             "): " + body.substr(0, 500));
  return doc;
}

struct HttpConnection::Impl {
  boost::asio::io_context io;
  tcp::socket socket{io};
  beast::flat_buffer buffer;
  bool open = false;

  // Runs the queued asynchronous operation until it completes or `deadline` passes; on
  // timeout the socket is closed so the operation ends, and the call throws.
  void run_until(std::chrono::steady_clock::time_point deadline, const bool& done,
                 const char* what) {
    io.restart();
    io.run_until(deadline);
    if (done) return;
    beast::error_code ignored;
    socket.close(ignored);
    open = false;
    io.restart();
    io.run();
    throw std::runtime_error(std::string("http ") + what + " timed out");
  }

  void connect(uint16_t port) {
    socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    socket.set_option(tcp::no_delay(true));
    open = true;
  }

  HttpResponse exchange(const std::string& method, const std::string& target, std::string body,
                        const Headers& headers, bool keep_alive,
                        std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    http_ns::request<http_ns::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http_ns::field::host, "127.0.0.1");
    bool has_length = false;
    for (const auto& [k, v] : headers) {
      if (::strcasecmp(k.c_str(), "host") == 0) {
        req.set(http_ns::field::host, v);  // a test's own Host replaces the default
        continue;
      }
      req.insert(k, v);
      if (::strcasecmp(k.c_str(), "content-length") == 0 ||
          ::strcasecmp(k.c_str(), "transfer-encoding") == 0)
        has_length = true;
    }
    req.keep_alive(keep_alive);
    req.body() = std::move(body);
    if (!has_length &&
        (!req.body().empty() || method == "POST" || method == "PUT" || method == "PATCH"))
      req.prepare_payload();

    beast::error_code ec;
    bool done = false;
    http_ns::async_write(socket, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    run_until(deadline, done, "write");
    if (ec) throw std::runtime_error("http write failed: " + ec.message());

    http_ns::response_parser<http_ns::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(1024 * 1024);
    if (method == "HEAD") parser.skip(true);
    done = false;
    http_ns::async_read(socket, buffer, parser, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    run_until(deadline, done, "read");
    if (ec) throw std::runtime_error("http read failed: " + ec.message());
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    open = res.keep_alive();
    return out;
  }
};

HttpResponse http(uint16_t port, std::string method, std::string target, std::string body,
                  Headers headers, std::chrono::milliseconds timeout) {
  HttpConnection::Impl conn;
  conn.connect(port);
  auto res = conn.exchange(method, target, std::move(body), headers, false, timeout);
  beast::error_code ec;
  conn.socket.shutdown(tcp::socket::shutdown_both, ec);
  return res;
}

HttpConnection::HttpConnection(uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->connect(port);
}

HttpConnection::~HttpConnection() = default;

HttpResponse HttpConnection::request(std::string method, std::string target, std::string body,
                                     Headers headers, std::chrono::milliseconds timeout) {
  return impl_->exchange(method, target, std::move(body), headers, true, timeout);
}

bool HttpConnection::open() const {
  return impl_->open;
}

}  // namespace sgtest
