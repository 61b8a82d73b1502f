#include "web3/rpc_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <optional>

namespace sg::web3 {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string Url::redacted() const {
  return std::string(tls ? "https" : "http") + "://" + host + ":" + port;
}

std::optional<Url> parse_url(std::string_view text) {
  Url u;
  if (text.rfind("http://", 0) == 0) {
    text.remove_prefix(7);
    u.port = "80";
  } else if (text.rfind("https://", 0) == 0) {
    text.remove_prefix(8);
    u.tls = true;
    u.port = "443";
  } else {
    return std::nullopt;
  }
  auto slash = text.find_first_of("/?");
  std::string_view authority = text.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  if (!u.target.empty() && u.target[0] == '?') u.target = "/" + u.target;
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no userinfo
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return std::nullopt;
      u.port = std::string(rest.substr(1));
    }
  } else {
    auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) u.port = std::string(authority.substr(colon + 1));
  }
  if (u.host.empty() || u.port.empty() || u.port.size() > 5) return std::nullopt;
  for (char c : u.port) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return u;
}

struct RpcClient::Endpoint {
  Url url;
  mutable std::mutex mu;
  uint32_t consecutive_failures = 0;
  Clock::time_point open_until{};
  bool half_open_probe = false;  // one probe in flight after the cooldown
  std::string last_error;
};

struct RpcClient::Tls {
  asio::ssl::context ctx{asio::ssl::context::tls_client};
};

RpcClient::RpcClient(ChainConfig config)
    : config_(std::move(config)), tls_(std::make_unique<Tls>()) {
  for (const auto& raw : config_.rpc_urls) {
    auto url = parse_url(raw);
    if (!url)
      throw std::invalid_argument("chain " + std::to_string(config_.chain_id) +
                                  ": invalid rpc url");
    auto ep = std::make_unique<Endpoint>();
    ep->url = *url;
    endpoints_.push_back(std::move(ep));
  }
  tls_->ctx.set_verify_mode(asio::ssl::verify_peer);
  tls_->ctx.set_default_verify_paths();
  if (!config_.ca_file.empty()) tls_->ctx.load_verify_file(config_.ca_file);
}

RpcClient::~RpcClient() = default;

namespace {

struct HttpAnswer {
  unsigned status = 0;
  std::string body;
};

template <typename Stream>
asio::awaitable<HttpAnswer> exchange(Stream& stream, const Url& url, const std::string& body) {
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "StreamGate-auth");
  req.set(http::field::connection, "close");
  req.body() = body;
  req.prepare_payload();
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(8 * 1024 * 1024);  // bounded memory whatever the node sends
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  co_return HttpAnswer{parser.get().result_int(), std::move(parser.get().body())};
}

// One POST with a whole-request deadline; throws on any failure.
HttpAnswer post(asio::ssl::context& ssl_ctx, const Url& url, const std::string& body,
                std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  std::optional<HttpAnswer> answer;
  std::exception_ptr failure;
  auto run = [&]() -> asio::awaitable<void> {
    tcp::resolver resolver(ioc);
    auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
    if (url.tls) {
      beast::ssl_stream<beast::tcp_stream> stream(ioc, ssl_ctx);
      // SSL_set_tlsext_host_name is a macro with a C cast; call what it expands to.
      if (SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(url.host.c_str())) != 1)
        throw std::runtime_error("cannot set TLS server name");
      stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
      beast::get_lowest_layer(stream).expires_after(timeout);
      co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
      co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
      answer = co_await exchange(stream, url, body);
    } else {
      beast::tcp_stream stream(ioc);
      stream.expires_after(timeout);
      co_await stream.async_connect(endpoints, asio::use_awaitable);
      answer = co_await exchange(stream, url, body);
    }
  };
  asio::co_spawn(ioc, run(), [&](std::exception_ptr e) { failure = e; });
  // The resolver has no deadline of its own: bound the whole run.
  ioc.run_for(timeout + std::chrono::milliseconds(100));
  if (failure) std::rethrow_exception(failure);
  if (!answer) throw std::runtime_error("timed out");
  return *answer;
}

bool is_revert(const nlohmann::json& error) {
  // geth: code 3 "execution reverted"; ganache/hardhat: -32000 "VM Exception ... revert".
  if (error.contains("code") && error["code"] == 3) return true;
  auto msg = error.value("message", std::string());
  return msg.find("revert") != std::string::npos;
}

}  // namespace

RpcOutcome RpcClient::call(const std::string& method, const nlohmann::json& params) {
  uint64_t id = next_id_++;
  nlohmann::json req = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  std::string body = req.dump();
  std::string errors;
  auto timeout = std::chrono::milliseconds(config_.timeout_ms);
  for (auto& ep_ptr : endpoints_) {
    Endpoint& ep = *ep_ptr;
    {
      std::lock_guard lock(ep.mu);
      auto now = Clock::now();
      if (ep.consecutive_failures >= config_.breaker_failures) {
        if (now < ep.open_until || ep.half_open_probe) {
          errors += ep.url.redacted() + ": circuit open; ";
          continue;
        }
        ep.half_open_probe = true;  // cooldown over: let one request probe the endpoint
      }
    }
    std::string error;
    RpcOutcome out;
    try {
      HttpAnswer ans = post(tls_->ctx, ep.url, body, timeout);
      if (ans.status >= 500) {
        error = "HTTP " + std::to_string(ans.status);
      } else {
        auto doc = nlohmann::json::parse(ans.body, nullptr, false);
        if (doc.is_discarded() || !doc.is_object()) {
          error = "HTTP " + std::to_string(ans.status) + " with a non-JSON-RPC body";
        } else if (!doc.contains("id") || doc["id"] != id) {
          error = "JSON-RPC answer for another request id";
        } else if (doc.contains("error") && doc["error"].is_object()) {
          if (is_revert(doc["error"])) {
            out.kind = RpcOutcome::kReverted;
            out.message = doc["error"].value("message", std::string("execution reverted"));
          } else {
            error = "JSON-RPC error " + doc["error"].value("message", std::string());
          }
        } else if (doc.contains("result") && doc.value("jsonrpc", "") == "2.0") {
          out.kind = RpcOutcome::kOk;
          out.result = std::move(doc["result"]);
        } else {
          error = "HTTP " + std::to_string(ans.status) + " without a JSON-RPC result";
        }
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
    std::lock_guard lock(ep.mu);
    ep.half_open_probe = false;
    if (error.empty()) {
      ep.consecutive_failures = 0;
      ep.last_error.clear();
      return out;
    }
    ep.last_error = error;
    if (++ep.consecutive_failures >= config_.breaker_failures)
      ep.open_until = Clock::now() + std::chrono::milliseconds(config_.breaker_cooldown_ms);
    errors += ep.url.redacted() + ": " + error + "; ";
  }
  RpcOutcome out;
  out.kind = RpcOutcome::kUnavailable;
  out.message = endpoints_.empty() ? "no RPC endpoint configured" : errors;
  return out;
}

static RpcOutcome decode_hex_result(RpcOutcome out, Bytes* data) {
  if (out.kind != RpcOutcome::kOk) return out;
  std::optional<Bytes> bytes;
  if (out.result.is_string()) bytes = from_hex(out.result.get_ref<const std::string&>());
  if (!bytes) {
    out.kind = RpcOutcome::kUnavailable;
    out.message = "node returned a malformed hex result";
    return out;
  }
  if (data != nullptr) *data = std::move(*bytes);
  return out;
}

RpcOutcome RpcClient::eth_call(const std::string& to, const Bytes& calldata, Bytes* data) {
  nlohmann::json params =
      nlohmann::json::array({{{"to", to}, {"data", to_hex(calldata)}}, config_.block_tag});
  return decode_hex_result(call("eth_call", params), data);
}

RpcOutcome RpcClient::get_code(const std::string& address, Bytes* code) {
  return decode_hex_result(call("eth_getCode", nlohmann::json::array({address, config_.block_tag})),
                           code);
}

nlohmann::json RpcClient::health() const {
  nlohmann::json out = nlohmann::json::array();
  auto now = Clock::now();
  for (const auto& ep : endpoints_) {
    std::lock_guard lock(ep->mu);
    bool open = ep->consecutive_failures >= config_.breaker_failures && now < ep->open_until;
    out.push_back({{"url", ep->url.redacted()},
                   {"healthy", ep->consecutive_failures == 0},
                   {"circuit_open", open},
                   {"consecutive_failures", ep->consecutive_failures},
                   {"last_error", ep->last_error}});
  }
  return out;
}

}  // namespace sg::web3
