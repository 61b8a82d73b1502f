// Header-only C++ layer over services/http.h: an RAII exchange handle, lambda routes and
// JSON response helpers. Handlers registered through sg::http::Router may throw: the shim
// turns an sg::Error into the matching JSON error response and anything else into a 500.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../plugin.hpp"
#include "http.h"

namespace sg::http {

// The HTTP status that matches an sg_status, for error responses.
inline int status_for(sg_status s) noexcept {
  switch (s) {
    case SG_OK:
      return 200;
    case SG_ERR_INVALID:
      return 400;
    case SG_ERR_NOT_FOUND:
      return 404;
    case SG_ERR_EXISTS:
      return 409;
    case SG_ERR_CONFLICT:
      return 409;
    case SG_ERR_UNAVAILABLE:
      return 503;
    case SG_ERR_TIMEOUT:
      return 504;
    case SG_ERR_CANCELLED:
      return 499;
    case SG_ERR_DENIED:
      return 403;
    case SG_ERR_LIMIT:
      return 413;
    case SG_ERR_VERSION:
      return 500;
    case SG_ERR_INTERNAL:
      return 500;
  }
  return 500;
}

struct Header {
  std::string name;
  std::string value;
};

// An HTTP error with a snake_case code; Router shims and answer_later() answer it as
// {"error":{"code":...,"message":..., <fields>}} with `status` and any extra headers:
//
//   throw HttpError(413, "upload_too_large", "uploads are limited to 1 GiB")
//       .with_field("limit", 1 << 30).with_header("Tus-Resumable", "1.0.0");
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  int status() const noexcept { return status_; }
  const std::string& code() const noexcept { return code_; }
  // Extra members of the "error" object (e.g. "limit"); never "code" or "message".
  const json& fields() const noexcept { return fields_; }
  const std::vector<Header>& headers() const noexcept { return headers_; }

  HttpError& with_field(const std::string& name, json value) & {
    fields_[name] = std::move(value);
    return *this;
  }
  HttpError&& with_field(const std::string& name, json value) && {
    return std::move(with_field(name, std::move(value)));
  }
  HttpError& with_header(std::string name, std::string value) & {
    headers_.push_back({std::move(name), std::move(value)});
    return *this;
  }
  HttpError&& with_header(std::string name, std::string value) && {
    return std::move(with_header(std::move(name), std::move(value)));
  }

 private:
  int status_;
  std::string code_;
  json fields_ = json::object();
  std::vector<Header> headers_;
};

// {"error":{"code":..., "message":..., <fields>}}. Invalid UTF-8 in the message (it may
// quote client input) is replaced, never thrown about.
inline std::string error_body(std::string_view code, std::string_view message,
                              const json& fields = json::object()) {
  json error = fields.is_object() ? fields : json::object();
  error["code"] = code;
  error["message"] = message;
  return json{{"error", std::move(error)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A counted reference to an exchange. Copyable; the last copy releases it.
class Exchange {
 public:
  Exchange() = default;
  Exchange(const sg_http_service* svc, sg_http_exchange* ex, bool take_ref = true)
      : svc_(svc), ex_(ex) {
    if (ex_ != nullptr && take_ref) svc_->exchange_ref(ex_);
  }
  Exchange(const Exchange& o) : Exchange(o.svc_, o.ex_) {}
  Exchange(Exchange&& o) noexcept : svc_(o.svc_), ex_(std::exchange(o.ex_, nullptr)) {}
  Exchange& operator=(Exchange o) noexcept {
    std::swap(svc_, o.svc_);
    std::swap(ex_, o.ex_);
    return *this;
  }
  ~Exchange() {
    if (ex_ != nullptr) svc_->exchange_unref(ex_);
  }

  sg_http_exchange* raw() const noexcept { return ex_; }
  const sg_http_service* service() const noexcept { return svc_; }
  bool cancelled() const noexcept { return svc_->is_cancelled(ex_) != 0; }

  uint32_t method() const noexcept { return svc_->method(ex_); }
  std::string_view path() const noexcept { return view(svc_->path); }
  std::string_view target() const noexcept { return view(svc_->target); }
  std::string_view query() const noexcept { return view(svc_->query); }
  std::string_view remote_address() const noexcept { return view(svc_->remote_address); }
  std::string_view request_id() const noexcept { return view(svc_->request_id); }
  std::string_view body() const noexcept { return view(svc_->body); }
  int64_t content_length() const noexcept { return svc_->content_length(ex_); }

  std::optional<std::string_view> header(std::string_view name) const noexcept {
    return lookup(svc_->header, name);
  }
  std::optional<std::string_view> query_param(std::string_view name) const noexcept {
    return lookup(svc_->query_param, name);
  }
  std::optional<std::string_view> path_param(std::string_view name) const noexcept {
    return lookup(svc_->path_param, name);
  }
  sg_http_identity identity() const noexcept {
    sg_http_identity id{};
    svc_->identity(ex_, &id);
    return id;
  }

  // Parses a BUFFER-mode body as JSON; throws HttpError 400 invalid_json otherwise.
  json json_body() const {
    std::string_view b = body();
    json doc = json::parse(b.begin(), b.end(), nullptr, false);
    if (doc.is_discarded()) throw HttpError(400, "invalid_json", "request body is not valid JSON");
    return doc;
  }

  sg_status respond(int status, std::string_view body,
                    const std::vector<Header>& headers = {}) const {
    std::vector<sg_http_header> raw;
    raw.reserve(headers.size());
    for (const auto& h : headers)
      raw.push_back({h.name.data(), h.name.size(), h.value.data(), h.value.size()});
    return svc_->respond(ex_, status, raw.data(), raw.size(), body.data(), body.size());
  }
  // Strings that are not valid UTF-8 (stored text a plugin did not produce itself) are
  // answered with U+FFFD instead of failing the whole response.
  sg_status respond_json(int status, const json& body, std::vector<Header> headers = {}) const {
    headers.push_back({"Content-Type", "application/json"});
    return respond(status, body.dump(-1, ' ', false, json::error_handler_t::replace), headers);
  }
  sg_status respond_error(int status, std::string_view code, std::string_view message) const {
    return respond(status, error_body(code, message), {{"Content-Type", "application/json"}});
  }
  sg_status respond_error(const HttpError& e) const {
    std::vector<Header> headers = e.headers();
    headers.push_back({"Content-Type", "application/json"});
    return respond(e.status(), error_body(e.code(), e.what(), e.fields()), headers);
  }
  sg_status respond_file(int status, const sg_http_file& file, sg_error* err = nullptr) const {
    return svc_->respond_file(ex_, status, &file, err);
  }

  // A streamed answer (http 1.3), e.g. Server-Sent Events: headers now, then write() the
  // body in pieces from any thread and end() it. SG_ERR_VERSION from an older gateway.
  sg_status respond_stream(int status, const std::vector<Header>& headers = {},
                           sg_error* err = nullptr) const {
    if (!has_streams()) return SG_ERR_VERSION;
    std::vector<sg_http_header> raw;
    raw.reserve(headers.size());
    for (const auto& h : headers)
      raw.push_back({h.name.data(), h.name.size(), h.value.data(), h.value.size()});
    return svc_->respond_stream(ex_, status, raw.data(), raw.size(), err);
  }
  sg_status stream_write(std::string_view data) const {
    if (!has_streams()) return SG_ERR_VERSION;
    return svc_->stream_write(ex_, data.data(), data.size());
  }
  sg_status stream_end() const {
    if (!has_streams()) return SG_ERR_VERSION;
    return svc_->stream_end(ex_);
  }
  bool has_streams() const noexcept {
    return svc_->struct_size >= offsetof(sg_http_service, stream_end) + sizeof(void*) &&
           svc_->stream_end != nullptr;
  }

  // STREAM mode: reads the next chunk; `fn(status, data)` runs on a gateway thread.
  sg_status read_body(std::function<void(sg_status, std::string_view)> fn) const {
    auto* ctx = new BodyCallback{svc_, std::move(fn)};
    sg_status st = svc_->body_read(ex_, &Exchange::body_shim, ctx);
    if (st != SG_OK) delete ctx;
    return st;
  }
  // STREAM mode (http 1.1): reads the next chunk into buf[0, capacity); `data` in `fn` then
  // points into buf. buf must stay valid until fn runs. SG_ERR_VERSION from a 1.0
  // gateway.
  sg_status read_body_into(char* buf, size_t capacity,
                           std::function<void(sg_status, std::string_view)> fn) const {
    if (svc_->struct_size < offsetof(sg_http_service, body_read_into) + sizeof(void*) ||
        svc_->body_read_into == nullptr)
      return SG_ERR_VERSION;
    auto* ctx = new BodyCallback{svc_, std::move(fn)};
    sg_status st = svc_->body_read_into(ex_, buf, capacity, &Exchange::body_shim, ctx);
    if (st != SG_OK) delete ctx;
    return st;
  }

 private:
  using Getter = void (*)(sg_http_exchange*, const char**, size_t*);
  using Lookup = int (*)(sg_http_exchange*, const char*, size_t, const char**, size_t*);

  std::string_view view(Getter g) const noexcept {
    const char* p = nullptr;
    size_t n = 0;
    g(ex_, &p, &n);
    return p == nullptr ? std::string_view() : std::string_view(p, n);
  }
  std::optional<std::string_view> lookup(Lookup fn, std::string_view name) const noexcept {
    const char* p = nullptr;
    size_t n = 0;
    if (fn(ex_, name.data(), name.size(), &p, &n) == 0) return std::nullopt;
    return std::string_view(p == nullptr ? "" : p, n);
  }
  // A body callback that throws has lost track of the request: answer it (500, or the
  // HttpError thrown) so the failure shows in the access log and the client is not left
  // waiting. When the request was already answered this is a no-op.
  struct BodyCallback {
    const sg_http_service* svc;
    std::function<void(sg_status, std::string_view)> fn;
  };
  static void body_shim(void* user, sg_http_exchange* raw, sg_status st, const char* data,
                        size_t size) noexcept {
    std::unique_ptr<BodyCallback> cb(static_cast<BodyCallback*>(user));
    try {
      cb->fn(st, std::string_view(data == nullptr ? "" : data, size));
    } catch (...) {
      answer_escaped(cb->svc, raw, std::current_exception());
    }
  }
  static void answer_escaped(const sg_http_service* svc, sg_http_exchange* raw,
                             std::exception_ptr eptr) noexcept;

  const sg_http_service* svc_ = nullptr;
  sg_http_exchange* ex_ = nullptr;
};

// A handler: answer through the exchange (now, or later from any thread after keeping a
// copy of it). Throwing sg::http::HttpError / sg::Error answers with a JSON error.
using Handler = std::function<void(const Exchange&)>;

struct RouteSpec {
  uint32_t methods = SG_HTTP_GET;
  std::string pattern;
  sg_http_body_mode body_mode = SG_HTTP_BODY_NONE;
  uint64_t max_body_bytes = 0;
};

// Registers routes on the http service and removes them all on destruction or clear().
class Router {
 public:
  Router() = default;
  explicit Router(const sg_http_service* svc) : svc_(svc) {}
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;
  ~Router() { clear(); }

  void bind(const sg_http_service* svc) { svc_ = svc; }
  const sg_http_service* service() const noexcept { return svc_; }

  void add(const RouteSpec& spec, Handler handler) {
    auto entry = std::make_unique<Entry>(Entry{svc_, std::move(handler), 0});
    sg_http_route route{};
    route.struct_size = sizeof(route);
    route.methods = spec.methods;
    route.pattern = spec.pattern.data();
    route.pattern_size = spec.pattern.size();
    route.body_mode = spec.body_mode;
    route.max_body_bytes = spec.max_body_bytes;
    route.handler = &Router::shim;
    route.user = entry.get();
    sg_error err{};
    check(svc_->route_add(svc_->self, &route, &entry->id, &err), err,
          "route_add(" + spec.pattern + ")");
    std::lock_guard lock(mu_);
    entries_.push_back(std::move(entry));
  }
  void add(uint32_t methods, std::string pattern, Handler handler) {
    add(RouteSpec{methods, std::move(pattern), SG_HTTP_BODY_NONE, 0}, std::move(handler));
  }

  void clear() noexcept {
    std::lock_guard lock(mu_);
    for (auto& e : entries_) svc_->route_remove(svc_->self, e->id);
    entries_.clear();
  }

  // Answers `ex` with the error an exception describes. Usable from deferred work too.
  static void answer_exception(const Exchange& ex, std::exception_ptr eptr) noexcept {
    try {
      std::rethrow_exception(eptr);
    } catch (const HttpError& e) {
      ex.respond_error(e);
    } catch (const sg::Error& e) {
      ex.respond_error(status_for(e.status()), code_for(e.status()), e.what());
    } catch (const json::exception& e) {
      ex.respond_error(400, "invalid_request", e.what());
    } catch (const std::exception&) {
      ex.respond_error(500, "internal_error", "internal error");
    } catch (...) {
      ex.respond_error(500, "internal_error", "internal error");
    }
  }

  static const char* code_for(sg_status s) noexcept {
    switch (s) {
      case SG_ERR_INVALID:
        return "invalid_request";
      case SG_ERR_NOT_FOUND:
        return "not_found";
      case SG_ERR_EXISTS:
        return "already_exists";
      case SG_ERR_CONFLICT:
        return "conflict";
      case SG_ERR_UNAVAILABLE:
        return "service_unavailable";
      case SG_ERR_TIMEOUT:
        return "timeout";
      case SG_ERR_CANCELLED:
        return "cancelled";
      case SG_ERR_DENIED:
        return "forbidden";
      case SG_ERR_LIMIT:
        return "limit_exceeded";
      default:
        return "internal_error";
    }
  }

 private:
  struct Entry {
    const sg_http_service* svc;
    Handler handler;
    uint64_t id;
  };

  // The handler's own Exchange copy keeps the exchange alive when it answers later, so the
  // shim always reports LATER unless the handler already answered synchronously; the
  // gateway treats LATER-with-an-answer the same as ANSWERED.
  static sg_http_handler_result shim(void* user, sg_http_exchange* raw) noexcept {
    auto* entry = static_cast<Entry*>(user);
    Exchange ex(entry->svc, raw);
    try {
      entry->handler(ex);
    } catch (...) {
      answer_exception(ex, std::current_exception());
    }
    return SG_HTTP_LATER;
  }

  const sg_http_service* svc_ = nullptr;
  std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

inline void Exchange::answer_escaped(const sg_http_service* svc, sg_http_exchange* raw,
                                     std::exception_ptr eptr) noexcept {
  try {
    Router::answer_exception(Exchange(svc, raw), eptr);
  } catch (...) {
    // Building the handle failed (out of memory): nothing more can be done from here.
  }
}

// The error for work the blocking pool refused (Host::run_blocking threw `e`): a full queue
// is an overloaded server (503 overloaded, Retry-After: the client may come back at once),
// anything else means the plugin or the server is stopping (503 shutting_down).
inline HttpError refused_work_error(const sg::Error& e) {
  if (e.status() == SG_ERR_LIMIT)
    return HttpError(503, "overloaded", "the server is busy; retry shortly")
        .with_header("Retry-After", "1");
  return HttpError(503, "shutting_down", "the server is shutting down");
}

// Runs `work(ex)` on the kernel's blocking pool (SQL, disk, RPC: never on a network thread)
// and lets it answer from there; whatever it throws is answered as a JSON error
// (Router::answer_exception). Work for a client that already left is skipped. When the pool
// refuses the work, answers refused_work_error() at once.
template <typename Fn>
void answer_later(const sg::Host& host, const Exchange& ex, Fn work) {
  try {
    host.run_blocking([ex, work = std::move(work)]() mutable {
      if (ex.cancelled()) return;
      try {
        work(ex);
      } catch (...) {
        Router::answer_exception(ex, std::current_exception());
      }
    });
  } catch (const sg::Error& e) {
    ex.respond_error(refused_work_error(e));
  }
}

}  // namespace sg::http
