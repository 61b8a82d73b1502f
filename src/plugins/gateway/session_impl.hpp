// One HTTP/1.1 connection, as I/O: read a request header, run the request policy (the
// non-template steps: request_head, preflight, rate_gate, route_decision, handler_call),
// read the body in the route's mode, send the answer (one buffered write, or a file by
// sendfile), repeat while keep-alive, then close (lingering after a final answer).
//
// Every member runs on the owning worker's thread (one io_context per thread, so no
// strand is needed); other threads reach a session only through post_answer() and
// post_body_read(), which post onto that thread.
//
// Timeouts are one coarse deadline per connection, moved by a clock read when an
// operation starts and checked by the worker's periodic sweep (no timer, hence no
// timerfd_settime, per operation). An idle keep-alive connection gives its read buffer
// back after kReleaseAfter and waits for readability without one.
#pragma once

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "access_record.hpp"
#include "client_address.hpp"
#include "context.hpp"
#include "exchange.hpp"
#include "gateway_error.hpp"
#include "handler_call.hpp"
#include "page_pool.hpp"
#include "preflight.hpp"
#include "rate_gate.hpp"
#include "request_head.hpp"
#include "response_head.hpp"
#include "route_decision.hpp"
#include "worker.hpp"

namespace sg::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Plain sockets: the session keeps its own deadline, so Beast's tcp_stream (two timers
// per connection, one wait per operation) is not needed.
using PlainStream = tcp::socket;
using TlsStream = beast::ssl_stream<tcp::socket>;

template <class Stream>
class Session final : public SessionLink,
                      public SessionControl,
                      public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  static constexpr std::size_t kChunk = 64 * 1024;
  // Largest STREAM delivery when the body is read straight from the socket (plain HTTP,
  // Content-Length): one recv takes whatever is queued, up to this.
  static constexpr std::size_t kStreamChunk = 1024 * 1024;
  static constexpr std::size_t kIdleRead = PagePool::kPage;  // first read of a request
  // An idle plain connection frees its read buffer after this long without a request.
  static constexpr std::chrono::milliseconds kReleaseAfter{1000};

  // Each request: kIdle (keep-alive wait, nothing of it read) -> kRequest (header,
  // policy, handler, body) -> kResponding (the answer is being sent) -> kIdle again;
  // kClosed is final.
  enum class Phase : std::uint8_t { kIdle, kRequest, kResponding, kClosed };
  // What a kIdle connection waits with: a read into buffer_ (kBuffered), that read being
  // cancelled to give the buffer back (kReleasing), or a readability wait (kReleased).
  enum class IdleWait : std::uint8_t { kNone, kBuffered, kReleasing, kReleased };

  // The current request's body, reset per request.
  struct BodyState {
    std::uint64_t limit = 0;        // the route's body limit (for its 413 message)
    std::uint64_t direct_left = 0;  // bytes still to read in direct mode
    bool direct = false;            // read straight from the socket (see start_direct)
  };

 public:
  template <class... Args>
  Session(Context& ctx, Worker& worker, std::string remote, std::string remote_ip, Args&&... args)
      : ctx_(ctx),
        worker_(worker),
        stream_(std::forward<Args>(args)...),
        // Room for the largest allowed header plus one body read; bounded per connection.
        buffer_(static_cast<std::size_t>(ctx.cfg.limits.max_header_bytes) + 2 * kChunk),
        client_(std::move(remote_ip), std::move(remote)) {}

  void start() {
    worker_.sessions.emplace(static_cast<SessionControl*>(this), this->weak_from_this());
    if constexpr (kTls) {
      arm(ctx_.cfg.limits.header_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close();
                                self->read_request();
                              });
    } else {
      // Non-blocking for the synchronous sends (send_response, send_header_now); Asio's
      // asynchronous operations are unaffected.
      beast::error_code ignored;
      socket().native_non_blocking(true, ignored);
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
  void post_stream_flush(ExchangePtr ex) override {
    asio::post(worker_.ioc, [self = this->shared_from_this(), ex = std::move(ex)]() mutable {
      if (ex == self->ex_ && self->streaming_) self->flush_stream();
    });
  }
  void post_stream_abort(ExchangePtr ex) override {
    asio::post(worker_.ioc, [self = this->shared_from_this(), ex = std::move(ex)]() mutable {
      if (ex == self->ex_ && self->streaming_) self->fail_response();
    });
  }
  bool on_session_thread() const override {
    return std::this_thread::get_id() == worker_.thread_id;
  }

  // --- SessionControl (worker thread)
  void drain() override {
    if (phase_ == Phase::kIdle) return close();  // waiting for a next request: nothing in flight
    if (streaming_) {
      // A stream never ends by itself: end it now, after what is queued, and close.
      keep_alive_ = false;
      ex_->stream_close();
      flush_stream();
    }
  }
  void force_close() override { close(); }

  bool due(Clock::time_point now) const override {
    if (now >= deadline_) return true;
    if constexpr (!kTls)
      return idle_wait_ == IdleWait::kBuffered && now - idle_since_ >= kReleaseAfter;
    return false;
  }

  void on_sweep(Clock::time_point now) override {
    if (phase_ == Phase::kClosed) return;
    beast::error_code ignored;
    if (now >= deadline_) {
      // The pending operation's completion sees operation_aborted with timed_out_ set.
      deadline_ = Clock::time_point::max();
      timed_out_ = true;
      socket().cancel(ignored);
      return;
    }
    if (!kTls && idle_wait_ == IdleWait::kBuffered && now - idle_since_ >= kReleaseAfter) {
      idle_wait_ = IdleWait::kReleasing;  // on_idle_read releases the buffer
      socket().cancel(ignored);
    }
  }

 private:
  tcp::socket& socket() { return beast::get_lowest_layer(stream_); }

  // ------------------------------------------------------------------ deadline

  void arm(std::chrono::milliseconds timeout) {
    timed_out_ = false;
    deadline_ = Clock::now() + timeout;
  }
  void disarm() { deadline_ = Clock::time_point::max(); }

  // ------------------------------------------------------------------ reading a request

  void read_request() {
    if (phase_ == Phase::kClosed) return;
    if (ctx_.draining.load(std::memory_order_relaxed)) return close();
    phase_ = Phase::kRequest;
    recorded_ = false;
    body_ = BodyState{};
    client_.reset();
    // The 1 MiB body buffer is per request, not per connection: idle keep-alive connections
    // hold none.
    if (!body_read_pending_) stream_buf_.reset();
    if (buffer_.size() != 0) {
      // A pipelined request is already here. Parsed through async_read_header (a posted
      // completion), so that a long pipeline cannot nest requests on the stack.
      start_exchange();
      return read_header(/*parse_in_place=*/false);
    }
    // Keep-alive wait: the idle timeout applies until the first byte of a request.
    phase_ = Phase::kIdle;
    idle_since_ = Clock::now();
    timed_out_ = false;
    deadline_ = idle_since_ + ctx_.cfg.limits.idle_timeout;
    read_idle();
  }

  void read_idle() {
    idle_wait_ = IdleWait::kBuffered;
    stream_.async_read_some(buffer_.prepare(kIdleRead),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->on_idle_read(ec, n);
                            });
  }

  void on_idle_read(beast::error_code ec, std::size_t n) {
    const bool releasing = idle_wait_ == IdleWait::kReleasing;
    idle_wait_ = IdleWait::kNone;
    if (phase_ == Phase::kClosed) return;
    if constexpr (!kTls) {
      if (releasing && ec == asio::error::operation_aborted && !timed_out_) return release_idle();
    }
    if (ec) return close();
    buffer_.commit(n);
    phase_ = Phase::kRequest;
    start_exchange();
    read_header(/*parse_in_place=*/true);
  }

  // Idle for a while: give the buffers back, then wait for readability without a buffer.
  // The check and the wait happen with no epoll_wait between them (one thread per
  // io_context), so bytes arriving meanwhile still wake the wait.
  void release_idle() {
    buffer_.clear();
    buffer_.shrink_to_fit();
    out_ = std::string();
    chunk_.reset();
    char probe;
    ssize_t n = ::recv(socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0 || (n < 0 && errno == EINTR)) return read_idle();
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return close();
    idle_wait_ = IdleWait::kReleased;
    socket().async_wait(tcp::socket::wait_read,
                        [self = this->shared_from_this()](beast::error_code ec) {
                          self->idle_wait_ = IdleWait::kNone;
                          if (self->phase_ == Phase::kClosed) return;
                          if (ec) return self->close();
                          self->idle_since_ = Clock::now();
                          self->read_idle();  // completes at once: the bytes are there
                        });
  }

  // A new Exchange starts with the one reference the session holds (refs_ = 1): adopt it.
  void start_exchange() {
    ex_ = ExchangePtr(new Exchange(this->shared_from_this(), ctx_.cfg.limits.max_header_bytes),
                      /*add_ref=*/false);
    ex_->remote = client_.peer_remote();
  }

  void read_header(bool parse_in_place) {
    if (phase_ == Phase::kClosed) return;
    if (parse_in_place) {
      // Usually the whole header came with the first read: parse it here rather than
      // through async_read_header, whose completion would be posted (one more trip
      // through the event loop). Same parser, same errors.
      auto& parser = ex_->parser;
      parser.eager(false);
      beast::error_code ec;
      std::size_t used = parser.put(buffer_.data(), ec);
      buffer_.consume(used);
      if (!ec && parser.is_header_done()) return on_header({});
      if (ec && ec != http::error::need_more) return on_header(ec);
    }
    // The whole header must arrive within header_timeout (slowloris-safe).
    arm(ctx_.cfg.limits.header_timeout);
    http::async_read_header(stream_, buffer_, ex_->parser,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (phase_ == Phase::kClosed) return;
    disarm();
    ex_->started = Clock::now();
    if (ec) {
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
        return reply_error({431, "header_too_large", "request header exceeds the limit", true});
      if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::error::eof ||
          ec == asio::error::connection_reset || ec == http::error::partial_message)
        return close();
      if (ec.category() == http::make_error_code(http::error::bad_target).category())
        return reply_error({400, "bad_request", "malformed HTTP request", true});
      return close();
    }
    process_header();
  }

  // ------------------------------------------------------------------ request policy

  // request head -> CORS preflight -> rate limit -> route decision (route, body mode,
  // identity) -> body -> handler.
  void process_header() {
    Exchange& ex = *ex_;
    auto refused = read_request_head(ex);
    client_.resolve(ctx_.proxies, ex.parser);
    ex.remote = client_.remote();
    if (refused) return reply_error(*refused);

    // CORS preflight is answered here, before routes, rate limits and identities.
    if (is_preflight(ctx_.cors, ex)) {
      if (auto denied = answer_preflight(ctx_.cors, ex)) return reply_error(*denied);
      return send_response();
    }

    if (ctx_.cfg.rate_limit.enabled) {
      if (const sg_cache_service* cache = shared_rate_backend(ctx_))
        return check_shared_rate(cache);
      RateDecision d = ctx_.limiter.take(client_.ip(), ex.started);
      if (!d.allowed) return reply_error(rate_limited(d.retry_after_seconds, has_body(ex)));
    }
    route_request();
  }

  // The shared (cache) backend blocks: asked on the blocking pool, continued here.
  void check_shared_rate(const sg_cache_service* cache) {
    auto self = this->shared_from_this();
    bool asked =
        ask_shared_rate(ctx_, cache, client_.ip(), [self](sg_status st, std::int64_t count) {
          asio::post(self->worker_.ioc, [self, st, count] {
            if (self->phase_ == Phase::kClosed) return;
            RateDecision d = shared_rate_decision(self->ctx_, self->client_.ip(), st, count);
            if (!d.allowed)
              return self->reply_error(rate_limited(d.retry_after_seconds, has_body(*self->ex_)));
            self->route_request();
          });
        });
    if (asked) return;
    RateDecision d = ctx_.limiter.take(client_.ip(), Clock::now());
    if (!d.allowed) return reply_error(rate_limited(d.retry_after_seconds, has_body(*ex_)));
    route_request();
  }

  void route_request() {
    RouteDecision d = decide_route(ctx_, *ex_);
    body_.limit = d.body_limit;
    switch (d.next) {
      case RouteDecision::kReply:
        return reply_error(d.error);
      case RouteDecision::kReadBody:
        if (expects_continue()) {
          continue_sent_ = true;
          return write_continue([self = this->shared_from_this()] { self->read_buffered_body(); });
        }
        return read_buffered_body();
      case RouteDecision::kCallHandler:
        return call_handler();
    }
  }

  bool expects_continue() {
    if (continue_sent_ || ex_->parser.get().version() < 11) return false;
    return beast::iequals(ex_->header("expect"), "100-continue");
  }

  template <class Next>
  void write_continue(Next next) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    arm(ctx_.cfg.limits.body_timeout);
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

  // ------------------------------------------------------------------ BUFFER bodies

  void read_buffered_body() {
    if (phase_ == Phase::kClosed) return;
    if (ex_->parser.is_done()) return call_handler();
    auto& body = ex_->parser.get().body();
    body.data = chunk();
    body.size = kChunk;
    body.more = true;
    arm(ctx_.cfg.limits.body_timeout);
    http::async_read_some(stream_, buffer_, ex_->parser,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_buffered_chunk(ec);
                          });
  }

  void on_buffered_chunk(beast::error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) return reply_error(body_too_large(body_.limit));
    if (ec) {
      if (ec == beast::error::timeout || ec == asio::error::eof ||
          ec == http::error::partial_message || ec == asio::error::connection_reset ||
          ec == asio::error::operation_aborted)
        return close();
      return reply_error({400, "bad_request", "malformed request body", true});
    }
    std::size_t got = kChunk - ex_->parser.get().body().size;
    ex_->body.append(chunk(), got);
    read_buffered_body();
  }

  // ------------------------------------------------------------------ dispatch

  void call_handler() {
    ExchangePtr ex = ex_;
    disarm();  // no timeout while a handler works; body reads it asks for arm their own
    if (!call_route_handler(*ex, client_.remote()))
      return reply_error({404, "not_found", "no route for this path", false});
    if (ex == ex_ && ex->ready() && phase_ < Phase::kResponding) return send_response();
    if (ex == ex_ && phase_ < Phase::kResponding) watch_disconnect();
  }

  // While a handler answers later, notice a client that hangs up so the exchange is
  // marked cancelled. Only when the request body is consumed: anything readable then is
  // either EOF or a pipelined request (which we leave in the socket).
  void watch_disconnect() {
    if (!body_done(*ex_) || buffer_.size() != 0) return;
    watching_ = true;
    socket().async_wait(
        tcp::socket::wait_read, [self = this->shared_from_this(), ex = ex_](beast::error_code ec) {
          if (ex != self->ex_ || self->phase_ >= Phase::kResponding) return;
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
    if (ex != ex_ || phase_ >= Phase::kResponding || !ex->ready()) return;
    if (ex->in_handler) return;  // picked up when the handler returns
    send_response();
  }

  // ------------------------------------------------------------------ STREAM bodies

  // Calls the handler's body function (it may ask for the next chunk from inside).
  static void deliver(const ExchangePtr& ex, const BodyRead& rd, sg_status st, const char* data,
                      std::size_t n) {
    ex->read_outstanding.store(false);
    rd.fn(rd.user, reinterpret_cast<sg_http_exchange*>(ex.get()), st, data, n);
  }

  void on_body_read(ExchangePtr ex, BodyRead rd) {
    if (ex != ex_ || phase_ >= Phase::kResponding)
      return deliver(ex, rd, SG_ERR_CANCELLED, nullptr, 0);
    if (limit_hit_) return deliver(ex, rd, SG_ERR_LIMIT, nullptr, 0);
    if (expects_continue()) {
      continue_sent_ = true;
      return write_continue(
          [self = this->shared_from_this(), ex, rd] { self->on_body_read(ex, rd); });
    }
    continue_sent_ = true;  // the body is flowing; never send 100 after this
    if (body_done(*ex)) return deliver(ex, rd, SG_OK, nullptr, 0);
    if constexpr (!kTls) {
      if (body_.direct || start_direct(*ex)) {
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
    arm(ctx_.cfg.limits.body_timeout);
    http::async_read_some(
        stream_, buffer_, ex->parser,
        [self = this->shared_from_this(), ex, rd](beast::error_code ec, std::size_t) {
          self->on_stream_chunk(ec, ex, rd);
        });
  }

  void on_stream_chunk(beast::error_code ec, const ExchangePtr& ex, const BodyRead& rd) {
    if (ec == http::error::need_buffer) ec = {};
    if (phase_ == Phase::kClosed || ex != ex_) return deliver(ex, rd, SG_ERR_CANCELLED, nullptr, 0);
    if (ec == http::error::body_limit) {
      limit_hit_ = true;
      if (phase_ != Phase::kResponding && !ex->answered()) {
        prepare_error(*ex_, body_too_large(body_.limit));
        send_response();
      }
      return deliver(ex, rd, SG_ERR_LIMIT, nullptr, 0);
    }
    if (ec) {
      sg_status st = SG_ERR_CANCELLED;
      if (ec == beast::error::timeout || (ec == asio::error::operation_aborted && timed_out_))
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

  bool body_done(Exchange& ex) const {
    return body_.direct ? body_.direct_left == 0 : ex.parser.is_done();
  }

  // Plain HTTP with a Content-Length: the body bytes need no decoding, so they go from the
  // socket straight into the target (the handler's buffer with body_read_into, else a 1 MiB
  // one per request), no parser copy, as many as are queued per recv. The parser is
  // bypassed for the rest of the body; body_done() tracks the end instead.
  bool start_direct(Exchange& ex) {
    if (ex.parser.chunked() || !ex.parser.is_header_done()) return false;
    auto left = ex.parser.content_length_remaining();
    if (!left) return false;
    body_.direct = true;
    body_.direct_left = *left;
    return true;
  }

  char* stream_buffer() {
    if (!stream_buf_) stream_buf_ = std::make_unique_for_overwrite<char[]>(kStreamChunk);
    return stream_buf_.get();
  }

  void read_direct(ExchangePtr ex, const BodyRead& rd) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(rd.cap, body_.direct_left));
    if (buffer_.size() > 0) {
      // Body bytes that arrived with the header (never more than the body: a pipelined
      // request after it stays in buffer_).
      std::size_t n = asio::buffer_copy(asio::buffer(rd.buf, want), buffer_.data());
      buffer_.consume(n);
      body_.direct_left -= n;
      return deliver(ex, rd, SG_OK, rd.buf, n);
    }
    body_read_pending_ = true;
    // "No progress for body_timeout": each read moves the deadline (a clock read).
    arm(ctx_.cfg.limits.body_timeout);
    socket().async_read_some(
        asio::buffer(rd.buf, want),
        [self = this->shared_from_this(), ex = std::move(ex), rd](
            beast::error_code ec, std::size_t n) { self->on_direct_chunk(ec, n, ex, rd); });
  }

  void on_direct_chunk(beast::error_code ec, std::size_t n, const ExchangePtr& ex,
                       const BodyRead& rd) {
    body_read_pending_ = false;
    if (ex != ex_ || phase_ >= Phase::kResponding)
      return deliver(ex, rd, SG_ERR_CANCELLED, nullptr, 0);
    if (ec) {
      // EOF before the declared length, a reset, or the deadline cancelling the read.
      sg_status st = timed_out_ ? SG_ERR_TIMEOUT : SG_ERR_CANCELLED;
      ex->cancel();
      close();
      return deliver(ex, rd, st, nullptr, 0);
    }
    body_.direct_left -= n;
    deliver(ex, rd, SG_OK, rd.buf, n);
  }

  // ------------------------------------------------------------------ responses

  void reply_error(const GatewayError& err) {
    prepare_error(*ex_, err);
    if (ex_->ready()) send_response();
  }

  void send_response() {
    if (phase_ >= Phase::kResponding) return;
    phase_ = Phase::kResponding;
    if (watching_ || body_read_pending_) {
      // Also ends a direct body read the handler no longer wants: it answered already.
      beast::error_code ignored;
      socket().cancel(ignored);
      watching_ = false;
    }
    Exchange& ex = *ex_;
    keep_alive_ = ex.parser.get().keep_alive() && !ex.close_after && body_done(ex) &&
                  !ctx_.draining.load(std::memory_order_relaxed);
    if (ex.streaming()) return start_stream();
    body_bytes_ = finish_response_head(ctx_.cors, ex, keep_alive_);
    auto& res = ex.response;
    if (!ex.file) {
      // Buffered answers: one flat buffer and one write.
      serialize_header(res, out_);
      std::array<asio::const_buffer, 2> bufs{asio::buffer(out_), asio::const_buffer()};
      if (body_bytes_ > 0) {
        if (body_bytes_ <= 16 * 1024)
          out_.append(res.body());
        else
          bufs[1] = asio::buffer(res.body());
        bufs[0] = asio::buffer(out_);
      }
      if (!kTls && socket().native_non_blocking()) {
        // Usually the whole answer fits in the socket buffer: send it now and go on in
        // this handler (no completion posted, so no extra trip through the event loop).
        beast::error_code ec;
        std::size_t sent = socket().send(bufs, 0, ec);
        if (!ec && sent == out_.size() + bufs[1].size()) return on_response_written({});
        if (ec && ec != asio::error::would_block && ec != asio::error::try_again)
          return on_response_written(ec);
        if (ec) sent = 0;
        const std::size_t head = std::min(sent, bufs[0].size());
        bufs[0] += head;
        bufs[1] += sent - head;
      }
      arm(ctx_.cfg.limits.idle_timeout);
      asio::async_write(stream_, bufs,
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                          self->on_response_written(ec);
                        });
      return;
    }
    serializer_ = std::make_unique<http::response_serializer<http::string_body>>(res);
    if constexpr (!kTls) {
      // Fast path for files: push the header with MSG_MORE so that it leaves in the same
      // segment as the first sendfile bytes (what nginx's tcp_nopush achieves).
      if (body_bytes_ > 0 && send_header_now()) {
        file_sent_ = 0;
        disarm();
        return send_file();
      }
    }
    arm(ctx_.cfg.limits.idle_timeout);
    http::async_write_header(stream_, *serializer_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->on_header_written(ec);
                             });
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
      disarm();
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
    if (phase_ == Phase::kClosed) return;
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
      arm(ctx_.cfg.limits.idle_timeout);
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
    arm(ctx_.cfg.limits.idle_timeout);
    socket().async_wait(tcp::socket::wait_write,
                        [self = this->shared_from_this()](beast::error_code ec) {
                          if (ec) return self->fail_response();
                          self->disarm();
                          self->send_file();
                        });
  }

  // ------------------------------------------------------------------ streamed answers

  // The header now, then the handler's pieces as they are queued (chunked on HTTP/1.1;
  // HTTP/1.0 gets the body until the connection closes).
  void start_stream() {
    Exchange& ex = *ex_;
    stream_chunked_ = ex.parser.get().version() >= 11;
    if (!stream_chunked_) keep_alive_ = false;
    finish_response_head(ctx_.cors, ex, keep_alive_);
    auto& res = ex.response;
    res.erase(http::field::content_length);
    if (stream_chunked_) res.set(http::field::transfer_encoding, "chunked");
    if (ex.method == SG_HTTP_HEAD) ex.stream_close();
    body_bytes_ = 0;
    streaming_ = true;
    stream_head_ = true;
    // A stream may stay open for hours: give the read page back (nothing is read while it
    // is open unless the client pipelines, and then the bytes stay where they are).
    if (buffer_.size() == 0) buffer_.shrink_to_fit();
    serialize_header(res, stream_out_);
    write_stream();
    watch_stream();
  }

  // Takes what the handler queued and writes it; one write at a time.
  void flush_stream() {
    if (phase_ == Phase::kClosed || stream_writing_) return;
    stream_body_.clear();
    const bool ended = ex_->stream_take(stream_body_);
    const bool head_only = ex_->method == SG_HTTP_HEAD;
    stream_out_.clear();
    if (!stream_body_.empty() && !head_only) {
      body_bytes_ += stream_body_.size();
      if (stream_chunked_) {
        char size[20];
        int n = std::snprintf(size, sizeof size, "%zx\r\n", stream_body_.size());
        stream_out_.append(size, static_cast<std::size_t>(n));
        stream_out_ += stream_body_;
        stream_out_ += "\r\n";
      } else {
        stream_out_.swap(stream_body_);
      }
    }
    if (ended) {
      if (stream_chunked_ && !head_only) stream_out_ += "0\r\n\r\n";
      stream_last_ = true;
    }
    if (stream_out_.empty()) {
      if (stream_last_) finish_stream();
      return;
    }
    write_stream();
  }

  void write_stream() {
    stream_writing_ = true;
    arm(ctx_.cfg.limits.idle_timeout);  // a client that stops reading is dropped
    asio::async_write(
        stream_, asio::buffer(stream_out_),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          self->stream_writing_ = false;
          if (self->phase_ == Phase::kClosed) return;
          if (ec) return self->fail_response();
          self->disarm();
          if (std::exchange(self->stream_head_, false) && self->ex_->method == SG_HTTP_HEAD)
            return self->finish_stream();
          if (self->stream_last_) return self->finish_stream();
          self->flush_stream();
        });
  }

  void finish_stream() {
    streaming_ = false;
    stream_last_ = false;
    stream_out_ = std::string();
    stream_body_ = std::string();
    on_response_written({});
  }

  // A stream's client only reads; readability means it hung up (or sent bytes we leave).
  void watch_stream() {
    socket().async_wait(
        tcp::socket::wait_read, [self = this->shared_from_this(), ex = ex_](beast::error_code ec) {
          if (ec || ex != self->ex_ || !self->streaming_) return;
          char probe;
          ssize_t n = ::recv(self->socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return self->fail_response();
          if (n < 0) return self->watch_stream();
        });
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
    if (phase_ == Phase::kClosed) return;
    if (!keep_alive_) return linger_close();
    read_request();
  }

  void record(bool aborted) {
    if (!ex_ || recorded_) return;
    recorded_ = true;
    record_exchange(ctx_, *ex_, aborted, aborted && ex_->file ? file_sent_ : body_bytes_,
                    client_.remote());
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
      arm(std::chrono::seconds(2));
      linger_read();
    }
  }

  void linger_read() {
    socket().async_read_some(
        asio::buffer(chunk(), kChunk),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          if (ec || n >= self->linger_left_) return self->close();
          self->linger_left_ -= n;
          self->linger_read();
        });
  }

  void close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    if (ex_) {
      // A parsed request that got no complete answer is logged as 499 (client gone).
      if (ex_->method != 0 && !recorded_) record(true);
      ex_->cancel();
      ex_.reset();
    }
    disarm();
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
  // The request read buffer: one pool page for ordinary headers (given back when idle).
  beast::basic_flat_buffer<PageAllocator<char>> buffer_;
  ClientAddress client_;  // the peer, or what a trusted proxy said, for the current request
  ExchangePtr ex_;        // the current request (none while idle)
  std::unique_ptr<http::response_serializer<http::string_body>> serializer_;  // files only
  std::unique_ptr<char[]> chunk_;       // kChunk: BUFFER bodies, TLS file reads, lingering
  std::unique_ptr<char[]> stream_buf_;  // kStreamChunk, direct body reads
  std::string out_;                     // serialised buffered response, reused across requests
  Clock::time_point deadline_ = Clock::time_point::max();  // see on_sweep
  Clock::time_point idle_since_{};
  BodyState body_;
  std::uint64_t body_bytes_ = 0;
  std::uint64_t file_sent_ = 0;
  std::size_t linger_left_ = 0;
  Phase phase_ = Phase::kRequest;
  IdleWait idle_wait_ = IdleWait::kNone;
  bool recorded_ = false;           // the current exchange went to the observer
  bool keep_alive_ = false;         // of the answer being sent
  bool watching_ = false;           // watch_disconnect's wait is pending
  bool body_read_pending_ = false;  // a direct body read is pending
  bool timed_out_ = false;          // the deadline cancelled the pending operation
  // A streamed answer (respond_stream) is being sent.
  bool streaming_ = false;
  bool stream_chunked_ = false;  // HTTP/1.1 chunked framing (else: until close)
  bool stream_writing_ = false;  // one write at a time
  bool stream_head_ = false;     // the pending write is the header
  bool stream_last_ = false;     // the pending write ends the body
  std::string stream_out_;       // the bytes being written
  std::string stream_body_;      // what the handler queued, taken in one go
  // Per connection, not per request (as before the session was split).
  bool continue_sent_ = false;  // 100 Continue sent, or the body already flowing
  bool limit_hit_ = false;      // a STREAM body passed its limit (the connection then closes)
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
