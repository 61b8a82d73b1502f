// One HTTP/1.1 connection: read a request, run the middleware, dispatch to the route's
// handler, send its answer (buffered or a file by sendfile), repeat while keep-alive.
//
// Every member runs on the owning worker's thread (one io_context per thread, so no
// strand is needed); other threads reach a session only through post_answer() and
// post_body_read(), which post onto that thread.
#pragma once

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <type_traits>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "context.hpp"
#include "exchange.hpp"
#include "http_date.hpp"
#include "identity.hpp"
#include "request_id.hpp"
#include "worker.hpp"

namespace sg::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

inline std::uint32_t method_bit(http::verb v) {
  switch (v) {
    case http::verb::get:
      return SG_HTTP_GET;
    case http::verb::head:
      return SG_HTTP_HEAD;
    case http::verb::post:
      return SG_HTTP_POST;
    case http::verb::put:
      return SG_HTTP_PUT;
    case http::verb::patch:
      return SG_HTTP_PATCH;
    case http::verb::delete_:
      return SG_HTTP_DELETE;
    case http::verb::options:
      return SG_HTTP_OPTIONS;
    default:
      return 0;
  }
}

inline std::string allow_header(std::uint32_t mask, bool cors) {
  static constexpr std::pair<std::uint32_t, const char*> kNames[] = {
      {SG_HTTP_GET, "GET"},        {SG_HTTP_HEAD, "HEAD"},   {SG_HTTP_POST, "POST"},
      {SG_HTTP_PUT, "PUT"},        {SG_HTTP_PATCH, "PATCH"}, {SG_HTTP_DELETE, "DELETE"},
      {SG_HTTP_OPTIONS, "OPTIONS"}};
  if (cors) mask |= SG_HTTP_OPTIONS;
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((mask & bit) == 0) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

template <class Stream>
class Session final : public SessionLink,
                      public SessionControl,
                      public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  static constexpr std::size_t kChunk = 64 * 1024;
  // Largest STREAM delivery when the body is read straight from the socket (plain HTTP,
  // Content-Length): one recv takes whatever is queued, up to this.
  static constexpr std::size_t kStreamChunk = 1024 * 1024;

 public:
  template <class... Args>
  Session(Context& ctx, Worker& worker, std::string remote, std::string remote_ip, Args&&... args)
      : ctx_(ctx),
        worker_(worker),
        stream_(std::forward<Args>(args)...),
        // Room for the largest allowed header plus one body read; bounded per connection.
        buffer_(static_cast<std::size_t>(ctx.cfg.limits.max_header_bytes) + 2 * kChunk),
        wait_timer_(worker.ioc),
        body_timer_(worker.ioc),
        remote_(std::move(remote)),
        remote_ip_(std::move(remote_ip)) {}

  void start() {
    worker_.sessions.emplace(static_cast<SessionControl*>(this), this->weak_from_this());
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.limits.header_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close();
                                self->read_request();
                              });
    } else {
      read_request();
    }
  }

  // --- SessionLink (any thread)
  void post_answer(ExchangePtr ex) override {
    asio::post(worker_.ioc, [self = this->shared_from_this(), ex = std::move(ex)]() mutable {
      self->on_answer(ex);
    });
  }
  void post_body_read(ExchangePtr ex, BodyRead read) override {
    asio::post(worker_.ioc, [self = this->shared_from_this(), ex = std::move(ex), read]() mutable {
      self->on_body_read(std::move(ex), read);
    });
  }
  bool on_session_thread() const override {
    return std::this_thread::get_id() == worker_.thread_id;
  }

  // --- SessionControl (worker thread)
  void drain() override {
    if (idle_) close();  // waiting for a next request: nothing in flight
  }
  void force_close() override { close(); }

 private:
  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }

  // ------------------------------------------------------------------ reading a request

  void read_request() {
    if (closed_) return;
    if (ctx_.draining.load(std::memory_order_relaxed)) return close();
    // A new Exchange starts with the one reference the session holds (refs_ = 1): adopt it.
    ex_ = ExchangePtr(new Exchange(this->shared_from_this(), ctx_.cfg.limits.max_header_bytes),
                      /*add_ref=*/false);
    ex_->remote = remote_;
    client_ip_ = &remote_ip_;
    client_remote_ = &remote_;
    responded_ = false;
    recorded_ = false;
    direct_ = false;
    direct_left_ = 0;
    // The 1 MiB body buffer is per request, not per connection: idle keep-alive connections
    // hold none.
    if (!body_read_pending_) stream_buf_.reset();
    if (buffer_.size() == 0) {
      // Keep-alive wait: the idle timeout applies until the first byte of a request.
      idle_ = true;
      beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.limits.idle_timeout);
      stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](
                                                         beast::error_code ec, std::size_t n) {
        self->idle_ = false;
        if (ec) return self->close();
        self->buffer_.commit(n);
        self->read_header();
      });
    } else {
      read_header();
    }
  }

  void read_header() {
    if (closed_) return;
    // The whole header must arrive within header_timeout (slowloris-safe).
    beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.limits.header_timeout);
    http::async_read_header(stream_, buffer_, ex_->parser,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (closed_) return;
    ex_->started = std::chrono::steady_clock::now();
    if (ec) {
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
        return reply_error(431, "header_too_large", "request header exceeds the limit", true);
      if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::error::eof ||
          ec == asio::error::connection_reset || ec == http::error::partial_message)
        return close();
      if (ec.category() == http::make_error_code(http::error::bad_target).category())
        return reply_error(400, "bad_request", "malformed HTTP request", true);
      return close();
    }
    process_header();
  }

  // ------------------------------------------------------------------ middleware

  void process_header() {
    Exchange& ex = *ex_;
    const auto& req = ex.parser.get();
    ex.method = method_bit(req.method());
    ex.method_name = req.method_string();
    ex.target = req.target();
    if (auto cl = ex.parser.content_length()) ex.content_length = static_cast<std::int64_t>(*cl);

    std::string_view incoming = ex.header("x-request-id");
    if (request_id_valid(incoming)) {
      std::memcpy(ex.request_id, incoming.data(), incoming.size());
      ex.request_id_len = incoming.size();
    } else {
      ex.request_id_len = generate_request_id(ex.request_id);
    }
    ex.request_id[ex.request_id_len] = '\0';
    resolve_client();

    const bool has_body = ex.parser.chunked() || ex.content_length > 0;
    if (ex.method == 0)
      return reply_error(501, "method_not_implemented", "HTTP method not supported", has_body);
    if (ex.target.empty() || ex.target.front() != '/')
      return reply_error(400, "bad_request", "request target must be an absolute path", true);
    std::size_t q = ex.target.find('?');
    ex.raw_path = ex.target.substr(0, q);
    if (q != std::string_view::npos) ex.query = ex.target.substr(q + 1);
    if (std::size_t hash = ex.raw_path.find('#'); hash != std::string_view::npos)
      ex.raw_path = ex.raw_path.substr(0, hash);
    if (!percent_decode(ex.raw_path, ex.path))
      return reply_error(400, "bad_request", "malformed percent-encoding in path", has_body);

    // CORS preflight is answered here, before routes, rate limits and identities.
    if (ctx_.cors.enabled() && ex.method == SG_HTTP_OPTIONS && ex.has_header("origin") &&
        ex.has_header("access-control-request-method")) {
      return answer_preflight();
    }

    if (ctx_.cfg.rate_limit.enabled) {
      const sg_cache_service* cache =
          ctx_.cfg.rate_limit.use_cache ? ctx_.cache.load(std::memory_order_acquire) : nullptr;
      if (cache != nullptr) return check_rate_with_cache(cache);
      RateDecision d = ctx_.limiter.take(*client_ip_, ex.started);
      if (!d.allowed) return refuse_rate(d.retry_after_seconds);
    }
    route_request();
  }

  // Behind a trusted reverse proxy the client is named by X-Forwarded-For; otherwise (and
  // for anyone else's X-Forwarded-For) it is the TCP peer.
  void resolve_client() {
    client_ip_ = &remote_ip_;
    client_remote_ = &remote_;
    if (ctx_.proxies.empty() || !ctx_.proxies.trusts(remote_ip_)) return;
    const auto& req = ex_->parser.get();
    std::string forwarded;
    for (auto range = req.equal_range("X-Forwarded-For"); range.first != range.second;
         ++range.first) {
      if (!forwarded.empty()) forwarded += ',';
      forwarded.append(range.first->value().data(), range.first->value().size());
    }
    forwarded_ip_ = ctx_.proxies.client_ip(remote_ip_, forwarded);
    if (forwarded_ip_ == remote_ip_) return;
    forwarded_remote_ =
        forwarded_ip_.find(':') != std::string::npos ? "[" + forwarded_ip_ + "]" : forwarded_ip_;
    client_ip_ = &forwarded_ip_;
    client_remote_ = &forwarded_remote_;
    ex_->remote = forwarded_remote_;
  }

  void answer_preflight() {
    Exchange& ex = *ex_;
    std::string_view origin = ex.header("origin");
    std::string_view allowed = ctx_.cors.allow_origin(origin);
    if (allowed.empty()) return reply_error(403, "cors_origin_denied", "origin not allowed", false);
    ex.in_handler = true;
    ex.respond(204, nullptr, 0, {}, nullptr);
    ex.in_handler = false;
    auto& res = ex.response;
    res.set(http::field::access_control_allow_methods, ctx_.cors.config().allowed_methods);
    res.set(http::field::access_control_allow_headers, ctx_.cors.config().allowed_headers);
    res.set(http::field::access_control_max_age, ctx_.cors.max_age());
    send_response();
  }

  // The shared (cache) backend blocks: ask it on the blocking pool, continue here.
  void check_rate_with_cache(const sg_cache_service* cache) {
    auto self = this->shared_from_this();
    auto now = std::chrono::system_clock::now().time_since_epoch();
    std::string key = "sg:ratelimit:" + *client_ip_ + ":" +
                      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
    auto limit = static_cast<std::int64_t>(
        std::max(ctx_.cfg.rate_limit.requests_per_second, ctx_.cfg.rate_limit.burst));
    try {
      ctx_.host.run_blocking([self, cache, key = std::move(key), limit] {
        std::int64_t value = 0;
        sg_status st = sg::cache::Client(cache).incr(key, 1, 2000, &value).status;
        asio::post(self->worker_.ioc, [self, st, value, limit] {
          if (self->closed_) return;
          if (st != SG_OK) {
            // Cache down: degrade to the local buckets rather than failing open or closed.
            RateDecision d =
                self->ctx_.limiter.take(*self->client_ip_, std::chrono::steady_clock::now());
            if (!d.allowed) return self->refuse_rate(d.retry_after_seconds);
          } else if (value > limit) {
            return self->refuse_rate(1);
          }
          self->route_request();
        });
      });
    } catch (const std::exception&) {
      RateDecision d = ctx_.limiter.take(*client_ip_, std::chrono::steady_clock::now());
      if (!d.allowed) return refuse_rate(d.retry_after_seconds);
      route_request();
    }
  }

  void refuse_rate(std::uint64_t retry_after) {
    bool has_body = ex_->parser.chunked() || ex_->content_length > 0;
    prepare_error(429, "rate_limited", "too many requests; retry later", has_body);
    ex_->response.set(http::field::retry_after, std::to_string(retry_after));
    send_response();
  }

  void route_request() {
    Exchange& ex = *ex_;
    const bool has_body = ex.parser.chunked() || ex.content_length > 0;
    PathSegments segs = split_path(ex.raw_path);
    if (segs.too_many) return reply_error(414, "uri_too_long", "too many path segments", has_body);
    auto routes = ctx_.routes.snapshot();
    Match m = RouteTable::match(routes, ex.method, segs, ex.params);
    if (!m.route) {
      if (m.bad_encoding)
        return reply_error(400, "bad_request", "malformed percent-encoding in path", has_body);
      if (m.allowed == 0) return reply_error(404, "not_found", "no route for this path", has_body);
      prepare_error(405, "method_not_allowed", "method not allowed for this path", has_body);
      ex.response.set(http::field::allow, allow_header(m.allowed, ctx_.cors.enabled()));
      return send_response();
    }
    ex.route = std::move(m.route);
    const Route& route = *ex.route;

    std::uint64_t limit =
        route.max_body_bytes != 0 ? route.max_body_bytes : ctx_.cfg.limits.max_body_bytes;
    if (route.body_mode == SG_HTTP_BODY_NONE && has_body)
      return reply_error(413, "body_not_allowed", "this route takes no request body", true);
    if (route.body_mode != SG_HTTP_BODY_NONE) {
      body_limit_ = limit;
      if (limit != 0 && ex.content_length > 0 &&
          static_cast<std::uint64_t>(ex.content_length) > limit)
        return reply_error(413, "body_too_large", too_large_message(), true);
      if (limit != 0) ex.parser.body_limit(limit);
    }

    // The one shared reader (streamgate/services/auth.hpp), so auth's own routes agree.
    auto cred =
        sg::credentials::session_credential(ex.header("authorization"), ex.header("cookie"));
    const bool from_cookie = cred.source == sg::credentials::Source::kCookie;
    // A malformed Bearer header is an explicit but unusable claim: refuse it like an invalid
    // token. A malformed cookie is ambient, like a stale one: proceed anonymously.
    if (cred.malformed && !from_cookie)
      return reply_error(401, "invalid_token", "malformed Authorization Bearer header", has_body);
    std::string_view token = cred.token;
    if (!token.empty()) {
      std::string reason;
      switch (ctx_.identity.resolve(token, ex.identity, reason)) {
        case IdentityOutcome::kInvalid:
          // A Bearer token is an explicit claim: refuse it. A stale cookie is ambient (the
          // browser sends it everywhere) and must not lock the user out of public routes or
          // of signing in again, so the request simply proceeds anonymously.
          if (from_cookie) {
            ex.identity = sg_http_identity{};
            break;
          }
          return reply_error(401, "invalid_token", reason, has_body);
        case IdentityOutcome::kUnavailable:
          return reply_error(503, "auth_unavailable", "session cannot be verified now", has_body);
        default:
          break;
      }
    }

    if (route.body_mode == SG_HTTP_BODY_BUFFER && has_body) {
      // Reserve what was declared, capped: a client could declare much and send nothing.
      ex.body.reserve(std::min<std::size_t>(
          ex.content_length > 0 ? static_cast<std::size_t>(ex.content_length) : kChunk, 1 << 20));
      if (expects_continue()) {
        continue_sent_ = true;
        return write_continue([self = this->shared_from_this()] { self->read_buffered_body(); });
      }
      return read_buffered_body();
    }
    call_handler();
  }

  bool expects_continue() {
    if (continue_sent_ || ex_->parser.get().version() < 11) return false;
    return beast::iequals(ex_->header("expect"), "100-continue");
  }

  template <class Next>
  void write_continue(Next next) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.limits.body_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = this->shared_from_this(), next](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        next();
                      });
  }

  char* chunk() {
    if (!chunk_) chunk_ = std::make_unique_for_overwrite<char[]>(kChunk);
    return chunk_.get();
  }

  void read_buffered_body() {
    if (closed_) return;
    if (ex_->parser.is_done()) return call_handler();
    auto& body = ex_->parser.get().body();
    body.data = chunk();
    body.size = kChunk;
    body.more = true;
    beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.limits.body_timeout);
    http::async_read_some(stream_, buffer_, ex_->parser,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_buffered_chunk(ec);
                          });
  }

  void on_buffered_chunk(beast::error_code ec) {
    if (closed_) return;
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit)
      return reply_error(413, "body_too_large", too_large_message(), true);
    if (ec) {
      if (ec == beast::error::timeout || ec == asio::error::eof ||
          ec == http::error::partial_message || ec == asio::error::connection_reset ||
          ec == asio::error::operation_aborted)
        return close();
      return reply_error(400, "bad_request", "malformed request body", true);
    }
    std::size_t got = kChunk - ex_->parser.get().body().size;
    ex_->body.append(chunk(), got);
    read_buffered_body();
  }

  // ------------------------------------------------------------------ dispatch

  void call_handler() {
    ExchangePtr ex = ex_;
    const Route& route = *ex->route;
    route.active.fetch_add(1);
    if (route.removed.load()) {
      route.active.fetch_sub(1);
      return reply_error(404, "not_found", "no route for this path", false);
    }
    ex->remote_copy.assign(*client_remote_);
    ex->remote = ex->remote_copy;
    ex->in_handler = true;
    ex->begin_handler_call();
    sg_http_handler_result r = SG_HTTP_ANSWERED;
    current_route = &route;
    try {
      r = route.handler(route.user, reinterpret_cast<sg_http_exchange*>(ex.get()));
    } catch (...) {
      r = SG_HTTP_ANSWERED;  // a C++ handler leaked an exception: answered 500 below
    }
    current_route = nullptr;
    ex->in_handler = false;
    route.active.fetch_sub(1);
    if (r != SG_HTTP_LATER && !ex->answered()) {
      ex->in_handler = true;
      ex->respond_error(500, "internal_error", "the handler returned without answering");
      ex->in_handler = false;
    }
    ex->user_unref();  // may answer 500 (posted) when the handler kept no reference
    if (ex == ex_ && ex->ready() && !responded_) return send_response();
    if (ex == ex_ && !responded_) watch_disconnect();
  }

  // While a handler answers later, notice a client that hangs up so the exchange is
  // marked cancelled. Only when the request body is consumed: anything readable then is
  // either EOF or a pipelined request (which we leave in the socket).
  void watch_disconnect() {
    if (!body_done(*ex_) || buffer_.size() != 0) return;
    watching_ = true;
    socket().async_wait(
        tcp::socket::wait_read, [self = this->shared_from_this(), ex = ex_](beast::error_code ec) {
          if (self->closed_ || ex != self->ex_ || self->responded_) return;
          self->watching_ = false;
          if (ec) return;
          char probe;
          ssize_t n = ::recv(self->socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return self->close();
          if (n < 0) return self->watch_disconnect();
          // Pipelined bytes: stop watching; they are read after the answer.
        });
  }

  void on_answer(const ExchangePtr& ex) {
    if (closed_ || ex != ex_ || responded_ || !ex->ready()) return;
    if (ex->in_handler) return;  // picked up when the handler returns
    send_response();
  }

  // ------------------------------------------------------------------ streamed bodies

  // Calls the handler's body function (it may ask for the next chunk from inside).
  static void deliver(const ExchangePtr& ex, const BodyRead& rd, sg_status st, const char* data,
                      std::size_t n) {
    ex->read_outstanding.store(false);
    rd.fn(rd.user, reinterpret_cast<sg_http_exchange*>(ex.get()), st, data, n);
  }

  void on_body_read(ExchangePtr ex, BodyRead rd) {
    if (closed_ || ex != ex_ || responded_) return deliver(ex, rd, SG_ERR_CANCELLED, nullptr, 0);
    if (limit_hit_) return deliver(ex, rd, SG_ERR_LIMIT, nullptr, 0);
    if (expects_continue()) {
      continue_sent_ = true;
      return write_continue(
          [self = this->shared_from_this(), ex, rd] { self->on_body_read(ex, rd); });
    }
    continue_sent_ = true;  // the body is flowing; never send 100 after this
    if (body_done(*ex)) return deliver(ex, rd, SG_OK, nullptr, 0);
    if constexpr (!kTls) {
      if (direct_ || start_direct(*ex)) {
        if (rd.buf == nullptr) {
          rd.buf = stream_buffer();
          rd.cap = kStreamChunk;
        }
        return read_direct(std::move(ex), rd);
      }
    }
    // Chunked framing (or TLS): Beast's parser decodes into the target. Let each socket
    // read take up to 64 KiB instead of what the header read left in the buffer.
    if (buffer_.capacity() < buffer_.max_size()) buffer_.reserve(buffer_.max_size());
    if (rd.buf == nullptr) {
      rd.buf = chunk();
      rd.cap = kChunk;
    }
    auto& body = ex->parser.get().body();
    body.data = rd.buf;
    body.size = rd.cap;
    body.more = true;
    beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.limits.body_timeout);
    http::async_read_some(
        stream_, buffer_, ex->parser,
        [self = this->shared_from_this(), ex, rd](beast::error_code ec, std::size_t) {
          self->on_stream_chunk(ec, ex, rd);
        });
  }

  void on_stream_chunk(beast::error_code ec, const ExchangePtr& ex, const BodyRead& rd) {
    if (ec == http::error::need_buffer) ec = {};
    if (closed_ || ex != ex_) return deliver(ex, rd, SG_ERR_CANCELLED, nullptr, 0);
    if (ec == http::error::body_limit) {
      limit_hit_ = true;
      if (!responded_ && !ex->answered()) {
        prepare_error(413, "body_too_large", too_large_message(), true);
        send_response();
      }
      return deliver(ex, rd, SG_ERR_LIMIT, nullptr, 0);
    }
    if (ec) {
      sg_status st = SG_ERR_CANCELLED;
      if (ec == beast::error::timeout)
        st = SG_ERR_TIMEOUT;
      else if (ec.category() == http::make_error_code(http::error::bad_chunk).category() &&
               ec != http::error::partial_message)
        st = SG_ERR_INVALID;
      ex->cancel();
      close();
      return deliver(ex, rd, st, nullptr, 0);
    }
    std::size_t got = rd.cap - ex->parser.get().body().size;
    if (got == 0) {
      if (ex->parser.is_done()) return deliver(ex, rd, SG_OK, nullptr, 0);
      // Only framing was read (e.g. a chunk header): keep going without bothering fn.
      return on_body_read(ex, rd);
    }
    deliver(ex, rd, SG_OK, rd.buf, got);
  }

  bool body_done(Exchange& ex) const { return direct_ ? direct_left_ == 0 : ex.parser.is_done(); }

  // Plain HTTP with a Content-Length: the body bytes need no decoding, so they go from the
  // socket straight into the target (the handler's buffer with body_read_into, else a 1 MiB
  // one per request), no parser copy, as many as are queued per recv, and the body timeout
  // is one coarse timer rather than a timer re-arm (timerfd_settime) per read. The parser
  // is bypassed for the rest of the body; body_done() tracks the end instead.
  bool start_direct(Exchange& ex) {
    if (ex.parser.chunked() || !ex.parser.is_header_done()) return false;
    auto left = ex.parser.content_length_remaining();
    if (!left) return false;
    direct_ = true;
    direct_left_ = *left;
    return true;
  }

  char* stream_buffer() {
    if (!stream_buf_) stream_buf_ = std::make_unique_for_overwrite<char[]>(kStreamChunk);
    return stream_buf_.get();
  }

  void read_direct(ExchangePtr ex, const BodyRead& rd) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(rd.cap, direct_left_));
    if (buffer_.size() > 0) {
      // Body bytes that arrived with the header (never more than the body: a pipelined
      // request after it stays in buffer_).
      std::size_t n = asio::buffer_copy(asio::buffer(rd.buf, want), buffer_.data());
      buffer_.consume(n);
      direct_left_ -= n;
      return deliver(ex, rd, SG_OK, rd.buf, n);
    }
    body_read_pending_ = true;
    body_timed_out_ = false;
    arm_body_timer();
    socket().async_read_some(
        asio::buffer(rd.buf, want),
        [self = this->shared_from_this(), ex = std::move(ex), rd](
            beast::error_code ec, std::size_t n) { self->on_direct_chunk(ec, n, ex, rd); });
  }

  void on_direct_chunk(beast::error_code ec, std::size_t n, const ExchangePtr& ex,
                       const BodyRead& rd) {
    body_read_pending_ = false;
    if (closed_ || ex != ex_ || responded_) return deliver(ex, rd, SG_ERR_CANCELLED, nullptr, 0);
    if (ec) {
      // EOF before the declared length, a reset, or the body timer cancelling the read.
      sg_status st = body_timed_out_ ? SG_ERR_TIMEOUT : SG_ERR_CANCELLED;
      ex->cancel();
      close();
      return deliver(ex, rd, st, nullptr, 0);
    }
    direct_left_ -= n;
    deliver(ex, rd, SG_OK, rd.buf, n);
  }

  // The body timeout of direct reads: "no progress for body_timeout". Each read moves the
  // deadline (a clock read, no syscall); the timer, armed at most once per body_timeout,
  // re-arms itself to the current deadline and cancels the read only once it passed.
  void arm_body_timer() {
    body_deadline_ = std::chrono::steady_clock::now() + ctx_.cfg.limits.body_timeout;
    if (body_timer_armed_) return;
    body_timer_armed_ = true;
    body_timer_.expires_at(body_deadline_);
    body_timer_.async_wait(
        [self = this->shared_from_this()](beast::error_code ec) { self->on_body_timer(ec); });
  }

  void on_body_timer(beast::error_code ec) {
    body_timer_armed_ = false;
    if (ec || closed_ || !body_read_pending_) return;  // no read waiting: nothing to time
    if (std::chrono::steady_clock::now() < body_deadline_) {
      body_timer_armed_ = true;
      body_timer_.expires_at(body_deadline_);
      body_timer_.async_wait(
          [self = this->shared_from_this()](beast::error_code e) { self->on_body_timer(e); });
      return;
    }
    body_timed_out_ = true;
    beast::error_code ignored;
    socket().cancel(ignored);
  }

  // ------------------------------------------------------------------ responses

  // Makes a gateway error the answer of the current exchange (without sending it).
  void prepare_error(int status, std::string_view code, std::string_view message,
                     bool close_after) {
    ex_->in_handler = true;
    ex_->respond_error(status, code, message);
    ex_->in_handler = false;
    ex_->close_after = ex_->close_after || close_after;
  }

  // Says the number, so a client knows how far to shrink the body.
  std::string too_large_message() const {
    return "request body exceeds the limit of " + std::to_string(body_limit_) + " bytes";
  }

  void reply_error(int status, std::string_view code, std::string_view message, bool close_after) {
    prepare_error(status, code, message, close_after);
    if (ex_->ready()) send_response();
  }

  void send_response() {
    if (closed_ || responded_) return;
    responded_ = true;
    if (watching_ || body_read_pending_) {
      // Also ends a direct body read the handler no longer wants: it answered already.
      beast::error_code ignored;
      socket().cancel(ignored);
      watching_ = false;
    }
    Exchange& ex = *ex_;
    auto& res = ex.response;
    const auto& req = ex.parser.get();
    res.version(req.version() == 10 ? 10 : 11);
    res.set(http::field::server, "StreamGate");
    res.set(http::field::date, current_http_date());
    res.set("X-Request-Id", std::string_view(ex.request_id, ex.request_id_len));
    if (ctx_.cors.enabled()) {
      std::string_view allowed = ctx_.cors.allow_origin(ex.header("origin"));
      if (!allowed.empty()) {
        res.set(http::field::access_control_allow_origin, allowed);
        res.set(http::field::vary, "Origin");
        if (ctx_.cors.config().allow_credentials)
          res.set(http::field::access_control_allow_credentials, "true");
        if (!ctx_.cors.config().expose_headers.empty())
          res.set(http::field::access_control_expose_headers, ctx_.cors.config().expose_headers);
      }
    }
    keep_alive_ = req.keep_alive() && !ex.close_after && body_done(ex) &&
                  !ctx_.draining.load(std::memory_order_relaxed);
    res.keep_alive(keep_alive_);

    const unsigned status = res.result_int();
    const bool head = ex.method == SG_HTTP_HEAD;
    const bool no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
    if (ex.file) {
      res.content_length(ex.plan.count);
      body_bytes_ = head ? 0 : ex.plan.count;
    } else if (no_body) {
      res.body().clear();
      res.erase(http::field::content_length);
      body_bytes_ = 0;
    } else {
      res.content_length(res.body().size());
      body_bytes_ = head ? 0 : res.body().size();
    }
    if (!ex.file) {
      // Buffered answers: one flat buffer and one write. Beast's generic serializer costs
      // more CPU than the rest of a small request; the header bytes are the same.
      serialize_header(res, out_);
      std::array<asio::const_buffer, 2> bufs{asio::buffer(out_), asio::const_buffer()};
      if (body_bytes_ > 0) {
        if (body_bytes_ <= 16 * 1024)
          out_.append(res.body());
        else
          bufs[1] = asio::buffer(res.body());
        bufs[0] = asio::buffer(out_);
      }
      beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.limits.idle_timeout);
      asio::async_write(stream_, bufs,
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                          self->on_response_written(ec);
                        });
      return;
    }
    serializer_.emplace(res);
    if constexpr (!kTls) {
      // Fast path for files: push the header with MSG_MORE so that it leaves in the same
      // segment as the first sendfile bytes (what nginx's tcp_nopush achieves).
      if (body_bytes_ > 0 && send_header_now()) {
        file_sent_ = 0;
        beast::get_lowest_layer(stream_).expires_never();
        return send_file();
      }
    }
    beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.limits.idle_timeout);
    http::async_write_header(stream_, *serializer_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->on_header_written(ec);
                             });
  }

  static void serialize_header(const Response& res, std::string& out) {
    out.clear();
    out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    char code[4] = {static_cast<char>('0' + res.result_int() / 100 % 10),
                    static_cast<char>('0' + res.result_int() / 10 % 10),
                    static_cast<char>('0' + res.result_int() % 10), ' '};
    out.append(code, 4);
    std::string_view reason = res.reason();
    out.append(reason.empty() ? std::string_view("Unknown") : reason);
    out += "\r\n";
    for (const auto& f : res) {
      out.append(f.name_string());
      out += ": ";
      out.append(f.value());
      out += "\r\n";
    }
    out += "\r\n";
  }

  // Serialises the header with Beast and writes it without blocking; false (with the
  // serializer left consistent) when it did not all fit, so the async path finishes it.
  bool send_header_now() {
    beast::error_code ec;
    serializer_->split(true);
    iovec iov[16];
    int count = 0;
    bool fits = true;
    serializer_->next(ec, [&](beast::error_code&, const auto& buffers) {
      for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
           ++it) {
        asio::const_buffer b = *it;
        if (b.size() == 0) continue;
        if (count == 16) {
          fits = false;
          return;
        }
        iov[count].iov_base = const_cast<void*>(b.data());
        iov[count].iov_len = b.size();
        ++count;
      }
    });
    if (ec || !fits || count == 0) return false;
    beast::error_code nb;
    socket().native_non_blocking(true, nb);
    if (nb) return false;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t sent;
    do {
      sent = ::sendmsg(socket().native_handle(), &msg, MSG_MORE | MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    if (sent <= 0) return false;
    serializer_->consume(static_cast<std::size_t>(sent));
    return serializer_->is_header_done();
  }

  void on_header_written(beast::error_code ec) {
    if (ec) return fail_response();
    if (ex_->file && body_bytes_ > 0) {
      file_sent_ = 0;
      beast::get_lowest_layer(stream_).expires_never();
      if constexpr (!kTls) {
        beast::error_code nb;
        socket().native_non_blocking(true, nb);
        if (nb) return fail_response();
      }
      return send_file();
    }
    on_response_written(ec);
  }

  void send_file() {
    if (closed_) return;
    OpenFile& f = *ex_->file;
    const std::uint64_t base = f.offset + ex_->plan.start;
    if constexpr (!kTls) {
      int sock = socket().native_handle();
      while (file_sent_ < body_bytes_) {
        off_t off = static_cast<off_t>(base + file_sent_);
        std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(body_bytes_ - file_sent_, 1u << 30));
        ssize_t n = ::sendfile(sock, f.fd, &off, want);
        if (n > 0) {
          file_sent_ += static_cast<std::uint64_t>(n);
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return wait_writable();
        return fail_response();  // n == 0: the file shrank underneath us; or a socket error
      }
      on_response_written({});
    } else {
      if (file_sent_ >= body_bytes_) return on_response_written({});
      std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(body_bytes_ - file_sent_, kChunk));
      ssize_t n;
      do {
        n = ::pread(f.fd, chunk(), want, static_cast<off_t>(base + file_sent_));
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return fail_response();
      beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.limits.idle_timeout);
      asio::async_write(
          stream_, asio::buffer(chunk(), static_cast<std::size_t>(n)),
          [self = this->shared_from_this()](beast::error_code wec, std::size_t written) {
            if (wec) return self->fail_response();
            self->file_sent_ += written;
            self->send_file();
          });
    }
  }

  // sendfile hit a full socket buffer: wait for room, bounded by the idle timeout so a
  // client that stops reading cannot pin the connection forever.
  void wait_writable() {
    if constexpr (!kTls) {
      wait_timer_.expires_after(ctx_.cfg.limits.idle_timeout);
      wait_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return;  // cancelled: the socket became writable first
        beast::error_code ignored;
        self->socket().cancel(ignored);
      });
      socket().async_wait(tcp::socket::wait_write,
                          [self = this->shared_from_this()](beast::error_code ec) {
                            self->wait_timer_.cancel();
                            if (ec) return self->fail_response();
                            self->send_file();
                          });
    }
  }

  void fail_response() {
    // The client went away (or timed out) mid-response; the exchange is finished for us.
    record(true);
    close();
  }

  void on_response_written(beast::error_code ec) {
    if (ec) return fail_response();
    record(false);
    serializer_.reset();
    ex_.reset();
    if (closed_) return;
    if (!keep_alive_) return linger_close();
    read_request();
  }

  void record(bool aborted) {
    if (!ex_ || recorded_) return;
    recorded_ = true;
    Exchange& ex = *ex_;
    RequestRecord r;
    r.route_id = ex.route ? ex.route->id : 0;
    r.route_label = ex.route ? std::string_view(ex.route->pattern) : std::string_view("unmatched");
    r.method = ex.method_name;
    r.path = ex.raw_path;
    r.status = aborted ? 499 : static_cast<int>(ex.response.result_int());
    r.bytes = aborted && ex.file ? file_sent_ : body_bytes_;
    r.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - ex.started).count();
    r.request_id = std::string_view(ex.request_id, ex.request_id_len);
    r.remote = *client_remote_;
    ctx_.observer.request_done(r);
  }

  // After a final response: stop sending, then read (and drop) what the client still sends
  // for a moment so that our response is not destroyed by a TCP reset.
  void linger_close() {
    if constexpr (kTls) {
      close();
    } else {
      beast::error_code ignored;
      socket().shutdown(tcp::socket::shutdown_send, ignored);
      linger_left_ = 1024 * 1024;
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      linger_read();
    }
  }

  void linger_read() {
    beast::get_lowest_layer(stream_).async_read_some(
        asio::buffer(chunk(), kChunk),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          if (ec || n >= self->linger_left_) return self->close();
          self->linger_left_ -= n;
          self->linger_read();
        });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    if (ex_) {
      // A parsed request that got no complete answer is logged as 499 (client gone).
      if (ex_->method != 0 && !recorded_) record(true);
      ex_->cancel();
      ex_.reset();
    }
    wait_timer_.cancel();
    body_timer_.cancel();
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    worker_.sessions.erase(static_cast<SessionControl*>(this));
    ctx_.open_connections.fetch_sub(1, std::memory_order_relaxed);
    ctx_.observer.connection_closed();
  }

  Context& ctx_;
  Worker& worker_;
  Stream stream_;
  beast::flat_buffer buffer_;
  asio::steady_timer wait_timer_;
  asio::steady_timer body_timer_;  // direct body reads (see arm_body_timer)
  std::chrono::steady_clock::time_point body_deadline_{};
  std::string remote_;
  std::string remote_ip_;
  // The client of the current request: the peer, or what a trusted proxy said.
  const std::string* client_ip_ = &remote_ip_;
  const std::string* client_remote_ = &remote_;
  std::string forwarded_ip_;
  std::string forwarded_remote_;
  ExchangePtr ex_;
  std::optional<http::response_serializer<http::string_body>> serializer_;
  std::unique_ptr<char[]> chunk_;
  std::unique_ptr<char[]> stream_buf_;  // kStreamChunk, direct body reads
  std::uint64_t direct_left_ = 0;       // body bytes still to read in direct mode
  std::uint64_t body_limit_ = 0;        // the current request's body limit (for its 413)
  std::string out_;                     // serialised buffered response, reused across requests
  std::uint64_t body_bytes_ = 0;
  std::uint64_t file_sent_ = 0;
  std::size_t linger_left_ = 0;
  bool recorded_ = false;
  bool closed_ = false;
  bool idle_ = false;
  bool responded_ = false;
  bool keep_alive_ = false;
  bool continue_sent_ = false;
  bool limit_hit_ = false;
  bool watching_ = false;
  bool direct_ = false;  // the current body is read straight from the socket
  bool body_read_pending_ = false;
  bool body_timer_armed_ = false;
  bool body_timed_out_ = false;
};

// Shared by the plain and TLS entry points.
template <class Stream, class... Args>
void start_session(Context& ctx, Worker& worker, tcp::socket socket, Args&&... args) {
  beast::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) {
    ctx.open_connections.fetch_sub(1, std::memory_order_relaxed);
    ctx.observer.connection_closed();
    return;
  }
  std::string ip = ep.address().to_string();
  std::string remote = ep.address().is_v6() ? "[" + ip + "]:" + std::to_string(ep.port())
                                            : ip + ":" + std::to_string(ep.port());
  socket.set_option(tcp::no_delay(true), ec);
  auto s = std::make_shared<Session<Stream>>(ctx, worker, std::move(remote), std::move(ip),
                                             std::move(socket), std::forward<Args>(args)...);
  s->start();
}

}  // namespace sg::gateway
