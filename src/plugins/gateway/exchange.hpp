// One request/response exchange, ref-counted across the C ABI.
//
// Two counts: `refs_` keeps the memory alive (the session holds one, every user reference
// holds one); `user_refs_` counts the references a handler owes an answer for. When the
// last user reference goes and nobody answered, the gateway answers 500.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/http.hpp>
#include <boost/smart_ptr/intrusive_ptr.hpp>

#include <streamgate/services/http.h>

#include "file_response.hpp"
#include "request_id.hpp"
#include "router.hpp"

namespace sg::gateway {

namespace http = boost::beast::http;
using RequestParser = http::request_parser<http::buffer_body>;
using Response = http::response<http::string_body>;

class Exchange;
using ExchangePtr = boost::intrusive_ptr<Exchange>;

// One body_read()/body_read_into() request: where the chunk goes (buf == nullptr: the
// session's own buffer) and whom to tell.
struct BodyRead {
  sg_http_body_fn fn = nullptr;
  void* user = nullptr;
  char* buf = nullptr;
  std::size_t cap = 0;
};

// What an exchange needs from its connection; implemented by Session<Stream>.
class SessionLink {
 public:
  virtual ~SessionLink() = default;
  // Thread-safe: the answer of `ex` is ready; the session sends it on its own thread.
  virtual void post_answer(ExchangePtr ex) = 0;
  // Thread-safe: read the next body chunk of `ex` and call fn on the session's thread.
  virtual void post_body_read(ExchangePtr ex, BodyRead read) = 0;
  // Thread-safe: bytes were queued on (or the end of) the streamed answer of `ex`.
  virtual void post_stream_flush(ExchangePtr ex) = 0;
  // Thread-safe: the streamed answer of `ex` overflowed its queue; close the connection.
  virtual void post_stream_abort(ExchangePtr ex) = 0;
  virtual bool on_session_thread() const = 0;
};

class Exchange {
 public:
  Exchange(std::shared_ptr<SessionLink> session, std::uint64_t header_limit);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // --- memory (intrusive_ptr) and user references
  void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  void user_ref() noexcept;
  void user_unref() noexcept;
  void begin_handler_call() noexcept;  // the borrowed reference of a handler call

  // --- answers (any thread)
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
  void cancel() noexcept { cancelled_.store(true, std::memory_order_release); }
  bool answered() const noexcept { return state_.load(std::memory_order_acquire) != kOpen; }
  bool ready() const noexcept { return state_.load(std::memory_order_acquire) == kReady; }
  sg_status respond(int status, const sg_http_header* headers, std::size_t count,
                    std::string_view body, sg_error* err) noexcept;
  sg_status respond_file(int status, const sg_http_file* file, sg_error* err) noexcept;
  // A file the gateway opened itself (static folder): takes ownership of `f`.
  sg_status respond_opened(int status, OpenFile&& f, std::string_view content_type,
                           const sg_http_header* headers, std::size_t header_count,
                           sg_error* err) noexcept;
  // A streamed answer (see sg_http_service::respond_stream).
  sg_status respond_stream(int status, const sg_http_header* headers, std::size_t count,
                           sg_error* err) noexcept;
  sg_status stream_write(std::string_view data) noexcept;
  sg_status stream_end() noexcept;
  // Session side: moves the queued bytes into `out` (appended); true when the handler ended
  // the body and nothing more will come.
  bool stream_take(std::string& out);
  bool streaming() const noexcept { return stream_ != nullptr; }
  // Session side, at shutdown or for HEAD: no more bytes are taken from the handler, which
  // sees the exchange cancelled; what is queued still goes out.
  void stream_close() noexcept;
  // A gateway-made JSON error answer; false when someone already answered.
  bool respond_error(int status, std::string_view code, std::string_view message) noexcept;

  // --- request data (set by the session before the handler runs, read-only afterwards)
  RequestParser parser;
  std::uint32_t method = 0;
  std::string_view method_name;
  std::string_view target;  // into the parser's header
  std::string_view raw_path;
  std::string_view query;
  std::string path;  // decoded
  std::shared_ptr<const Route> route;
  std::vector<Param> params;
  char request_id[kRequestIdMax + 1] = {};
  std::size_t request_id_len = 0;
  std::string_view remote;  // owned by the session, which outlives the exchange's use
  std::string remote_copy;  // stable copy for handlers that keep the exchange
  sg_http_identity identity{};
  std::int64_t content_length = -1;
  std::string body;  // BUFFER mode
  std::chrono::steady_clock::time_point started;
  std::atomic<bool> read_outstanding{false};
  // Set by the session thread around handler calls: answers given inside are sent when the
  // handler returns instead of being posted.
  std::atomic<bool> in_handler{false};

  std::string_view header(std::string_view name) const;  // "" when absent
  bool has_header(std::string_view name) const;
  // Decoded query parameter (cached so the returned view stays valid).
  bool query_param(std::string_view name, const char** out, std::size_t* out_size);

  // --- the answer (written once by whoever wins the claim, then read by the session)
  Response response;
  std::optional<OpenFile> file;
  FilePlan plan;
  bool close_after = false;  // gateway errors that leave the stream unusable

  SessionLink& session() { return *session_; }

  // Exchanges alive in this process: one per connection with a request being read or
  // served (idle keep-alive connections hold none) plus those a handler still holds. Reported in
  // the gateway's health.
  static std::int64_t live_count() noexcept { return live_.load(std::memory_order_relaxed); }

 private:
  enum State : int { kOpen = 0, kClaimed = 1, kReady = 2 };
  ~Exchange();
  static inline std::atomic<std::int64_t> live_{0};
  bool claim() noexcept;
  void publish() noexcept;  // marks ready and tells the session

  std::atomic<std::uint32_t> refs_{1};
  std::atomic<std::uint32_t> user_refs_{0};
  std::atomic<int> state_{kOpen};
  std::atomic<bool> cancelled_{false};
  std::shared_ptr<SessionLink> session_;
  // The queue of a streamed answer, filled by any thread, drained by the session.
  struct StreamQueue {
    static constexpr std::size_t kLimit = 1024 * 1024;
    std::mutex mu;
    std::string pending;
    bool ended = false;
    bool flush_posted = false;
  };
  std::unique_ptr<StreamQueue> stream_;
  std::mutex query_mu_;
  std::list<std::pair<std::string, std::string>> query_cache_;  // list: no allocation when unused
};

inline void intrusive_ptr_add_ref(Exchange* e) noexcept {
  e->add_ref();
}
inline void intrusive_ptr_release(Exchange* e) noexcept {
  e->release();
}

// A JSON error body {"error":{"code","message"}}.
std::string error_json(std::string_view code, std::string_view message);

}  // namespace sg::gateway
