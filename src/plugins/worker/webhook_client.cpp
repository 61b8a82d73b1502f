#include "webhook_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "net/address_policy.hpp"

namespace sg::worker {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Outcome = WebhookResponse::Outcome;

net::IpAddress to_ip(const asio::ip::address& a) {
  net::IpAddress out{};
  if (a.is_v4()) {
    out[10] = 0xff;
    out[11] = 0xff;
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out.begin() + 12);
  } else {
    auto b = a.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), out.begin());
  }
  return out;
}

// Runs the io_context until the started operation completed (every operation below is
// bounded by the deadline, so this returns by then).
void run(asio::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

class Attempt {
 public:
  Attempt(const WebhookRequest& req, const WebhookClientOptions& opt)
      : req_(req), opt_(opt), start_(Clock::now()), deadline_(start_ + opt.timeout) {}

  WebhookResponse send() {
    try {
      auto endpoints = resolve();
      if (!endpoints.empty() && check_policy(endpoints)) {
        if (req_.url.https) {
          exchange_tls(endpoints);
        } else {
          beast::tcp_stream stream(ioc_);
          if (connect(stream, endpoints)) exchange(stream);
        }
      }
    } catch (const std::exception& e) {
      fail(Outcome::network_error, e.what());
    }
    out_.latency_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_).count();
    return out_;
  }

 private:
  void fail(Outcome o, std::string message) {
    out_.outcome = o;
    out_.error = std::move(message);
  }

  // A failed step: a timeout when the deadline passed, a network error otherwise.
  void fail_step(const char* step, const beast::error_code& ec) {
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        Clock::now() >= deadline_) {
      fail(Outcome::timeout, std::string("timed out after ") +
                                 std::to_string(opt_.timeout.count()) + " ms (" + step + ")");
    } else {
      fail(Outcome::network_error, std::string(step) + " failed: " + ec.message());
    }
  }

  std::vector<tcp::endpoint> resolve() {
    tcp::resolver resolver(ioc_);
    asio::steady_timer timer(ioc_);
    std::vector<tcp::endpoint> endpoints;
    beast::error_code result = asio::error::operation_aborted;
    bool done = false;
    timer.expires_at(deadline_);
    timer.async_wait([&](const beast::error_code& ec) {
      if (!ec && !done) resolver.cancel();
    });
    auto flags = tcp::resolver::numeric_service;
    if (req_.url.ip_literal) flags |= tcp::resolver::numeric_host;
    resolver.async_resolve(req_.url.host, std::to_string(req_.url.port), flags,
                           [&](const beast::error_code& ec, tcp::resolver::results_type r) {
                             done = true;
                             result = ec;
                             for (const auto& e : r) endpoints.push_back(e.endpoint());
                             timer.cancel();
                           });
    run(ioc_);
    if (result || endpoints.empty()) {
      if (!result) result = asio::error::host_not_found;
      fail_step(("resolving " + req_.url.host).c_str(), result);
      endpoints.clear();
    }
    return endpoints;
  }

  // Every resolved address must pass: one private address among public ones is enough for
  // an attacker's DNS to steer some connections inward.
  bool check_policy(const std::vector<tcp::endpoint>& endpoints) {
    if (opt_.allow_private_targets) return true;
    for (const auto& e : endpoints) {
      auto ip = to_ip(e.address());
      if (auto reason = net::non_public_reason(ip)) {
        out_.address = net::to_string(ip);
        fail(Outcome::refused, "refused: " + req_.url.host + " resolves to " + out_.address +
                                   ", a " + *reason +
                                   " address; webhooks only reach public addresses unless "
                                   "plugins.worker.webhooks.allow_private_targets is true");
        return false;
      }
    }
    return true;
  }

  bool connect(beast::tcp_stream& stream, const std::vector<tcp::endpoint>& endpoints) {
    beast::error_code result;
    stream.expires_at(deadline_);
    stream.async_connect(endpoints, [&](const beast::error_code& ec, const tcp::endpoint& e) {
      result = ec;
      if (!ec) out_.address = e.address().to_string();
    });
    run(ioc_);
    if (result) fail_step("connecting", result);
    return !result;
  }

  void exchange_tls(const std::vector<tcp::endpoint>& endpoints) {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_default_verify_paths();
    if (!opt_.ca_file.empty()) ctx.load_verify_file(opt_.ca_file);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc_, ctx);
    // SNI only for names (RFC 6066 forbids IP literals there); the certificate is checked
    // against the name or the IP literal either way.
    // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
    if (!req_.url.ip_literal &&
        SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(req_.url.host.c_str())) != 1) {
      fail(Outcome::network_error, "cannot set the TLS server name");
      return;
    }
    stream.set_verify_callback(asio::ssl::host_name_verification(req_.url.host));
    if (!connect(beast::get_lowest_layer(stream), endpoints)) return;
    beast::error_code result;
    beast::get_lowest_layer(stream).expires_at(deadline_);
    stream.async_handshake(asio::ssl::stream_base::client,
                           [&](const beast::error_code& ec) { result = ec; });
    run(ioc_);
    if (result) return fail_step("TLS handshake", result);
    exchange(stream);
  }

  template <typename Stream>
  void exchange(Stream& stream) {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, req_.url.target, 11};
    req.set(bhttp::field::host, req_.url.host_header);
    for (const auto& [name, value] : req_.headers) req.set(name, value);
    req.set(bhttp::field::connection, "close");
    req.body() = req_.body;
    req.prepare_payload();

    beast::error_code result;
    beast::get_lowest_layer(stream).expires_at(deadline_);
    bhttp::async_write(stream, req, [&](const beast::error_code& ec, size_t) { result = ec; });
    run(ioc_);
    if (result) return fail_step("sending the request", result);

    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(opt_.max_response_bytes);
    beast::get_lowest_layer(stream).expires_at(deadline_);
    bhttp::async_read(stream, buffer, parser,
                      [&](const beast::error_code& ec, size_t) { result = ec; });
    run(ioc_);
    // A body over the limit still carries a complete status line: keep what was read.
    if (result && !(result == bhttp::error::body_limit && parser.is_header_done()))
      return fail_step("reading the response", result);
    const auto& res = parser.get();
    out_.status = static_cast<int>(res.result_int());
    out_.body = res.body().substr(0, opt_.max_response_bytes);
    if (out_.status >= 200 && out_.status < 300) {
      out_.outcome = Outcome::delivered;
      out_.error.clear();
    } else {
      fail(Outcome::http_error,
           "HTTP " + std::to_string(out_.status) +
               (out_.status >= 300 && out_.status < 400 ? " (redirects are not followed)" : ""));
    }
  }

  const WebhookRequest& req_;
  const WebhookClientOptions& opt_;
  Clock::time_point start_, deadline_;
  asio::io_context ioc_;
  WebhookResponse out_;
};

}  // namespace

const char* outcome_name(WebhookResponse::Outcome o) {
  switch (o) {
    case Outcome::delivered:
      return "delivered";
    case Outcome::http_error:
      return "http_error";
    case Outcome::refused:
      return "refused";
    case Outcome::timeout:
      return "timeout";
    case Outcome::network_error:
      return "network_error";
  }
  return "network_error";
}

WebhookResponse send_webhook(const WebhookRequest& request, const WebhookClientOptions& options) {
  try {
    return Attempt(request, options).send();
  } catch (...) {
    WebhookResponse r;
    r.error = "internal error in the webhook client";
    return r;
  }
}

}  // namespace sg::worker
