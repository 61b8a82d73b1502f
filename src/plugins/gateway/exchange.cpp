#include "exchange.hpp"

#include <boost/beast/core/string.hpp>
#include <nlohmann/json.hpp>

#include "mime.hpp"

namespace sg::gateway {
namespace {

void set_err(sg_error* err, sg_status st, std::string_view msg) noexcept {
  if (err == nullptr) return;
  err->status = st;
  std::size_t n = std::min(msg.size(), static_cast<std::size_t>(SG_ERROR_MESSAGE_MAX - 1));
  std::memcpy(err->message, msg.data(), n);
  err->message[n] = '\0';
}

bool token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool valid_header(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name)
    if (!token_char(c)) return false;
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

// Framing headers belong to the gateway; a handler's copy would corrupt the stream.
bool reserved_header(std::string_view name) {
  using boost::beast::iequals;
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection") || iequals(name, "keep-alive") || iequals(name, "upgrade");
}

sg_status add_headers(Response& res, const sg_http_header* headers, std::size_t count,
                      sg_error* err) {
  if (count > 0 && headers == nullptr) {
    set_err(err, SG_ERR_INVALID, "headers is NULL with a non-zero count");
    return SG_ERR_INVALID;
  }
  for (std::size_t i = 0; i < count; ++i) {
    std::string_view name(headers[i].name == nullptr ? "" : headers[i].name, headers[i].name_size);
    std::string_view value(headers[i].value == nullptr ? "" : headers[i].value,
                           headers[i].value_size);
    if (!valid_header(name, value)) {
      set_err(err, SG_ERR_INVALID, "invalid response header name or value");
      return SG_ERR_INVALID;
    }
    if (reserved_header(name)) continue;
    res.insert(name, value);
  }
  return SG_OK;
}

}  // namespace

std::string error_json(std::string_view code, std::string_view message) {
  nlohmann::json doc = {{"error", {{"code", code}, {"message", message}}}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The answer becomes a 500 internal_error with `message` (whatever the handler had set).
static void reset_to_internal_error(Response& response, std::string_view message) noexcept {
  try {
    response = Response();
    response.result(500);
    response.set(http::field::content_type, "application/json");
    response.body() = error_json("internal_error", message);
  } catch (...) {
    response.result(500);
  }
}

Exchange::Exchange(std::shared_ptr<SessionLink> session, std::uint64_t header_limit)
    : session_(std::move(session)) {
  parser.header_limit(static_cast<std::uint32_t>(header_limit));
  parser.body_limit(boost::none);  // limits are enforced per route once the header is known
  live_.fetch_add(1, std::memory_order_relaxed);
}

Exchange::~Exchange() {
  live_.fetch_sub(1, std::memory_order_relaxed);
}

void Exchange::user_ref() noexcept {
  user_refs_.fetch_add(1, std::memory_order_relaxed);
  add_ref();
}

void Exchange::begin_handler_call() noexcept {
  user_ref();
}

void Exchange::user_unref() noexcept {
  if (user_refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    if (!answered() && !cancelled())
      respond_error(500, "internal_error", "the handler released the request without answering");
    else if (stream_ && !cancelled())
      stream_end();  // nobody can write to the stream any more
  }
  release();
}

bool Exchange::claim() noexcept {
  int expected = kOpen;
  return state_.compare_exchange_strong(expected, kClaimed, std::memory_order_acq_rel);
}

void Exchange::publish() noexcept {
  state_.store(kReady, std::memory_order_release);
  // A synchronous answer from inside the handler is picked up when the handler returns.
  if (in_handler && session_->on_session_thread()) return;
  session_->post_answer(ExchangePtr(this));
}

sg_status Exchange::respond(int status, const sg_http_header* headers, std::size_t count,
                            std::string_view body_text, sg_error* err) noexcept {
  if (cancelled()) {
    set_err(err, SG_ERR_CANCELLED, "the client has gone away");
    return SG_ERR_CANCELLED;
  }
  if (status < 200 || status > 599) {
    set_err(err, SG_ERR_INVALID, "status must be 200..599");
    return SG_ERR_INVALID;
  }
  if (!claim()) {
    set_err(err, SG_ERR_INVALID, "this exchange was already answered");
    return SG_ERR_INVALID;
  }
  try {
    response.result(static_cast<unsigned>(status));
    if (sg_status st = add_headers(response, headers, count, err); st != SG_OK) {
      reset_to_internal_error(response, "handler produced an invalid header");
      publish();
      return st;
    }
    response.body().assign(body_text.data(), body_text.size());
  } catch (...) {
    reset_to_internal_error(response, "out of memory");
  }
  publish();
  return SG_OK;
}

sg_status Exchange::respond_stream(int status, const sg_http_header* headers, std::size_t count,
                                   sg_error* err) noexcept {
  if (cancelled()) {
    set_err(err, SG_ERR_CANCELLED, "the client has gone away");
    return SG_ERR_CANCELLED;
  }
  if (status < 200 || status > 599 || status == 204 || status == 304) {
    set_err(err, SG_ERR_INVALID, "a streamed answer needs a status of 200..599 with a body");
    return SG_ERR_INVALID;
  }
  std::unique_ptr<StreamQueue> queue;
  try {
    queue = std::make_unique<StreamQueue>();
  } catch (...) {
    set_err(err, SG_ERR_INTERNAL, "out of memory");
    return SG_ERR_INTERNAL;
  }
  if (!claim()) {
    set_err(err, SG_ERR_INVALID, "this exchange was already answered");
    return SG_ERR_INVALID;
  }
  sg_status result = SG_OK;
  try {
    response.result(static_cast<unsigned>(status));
    if (sg_status st = add_headers(response, headers, count, err); st != SG_OK) {
      reset_to_internal_error(response, "handler produced an invalid header");
      result = st;
    } else {
      // Proxies (nginx) buffer responses unless told otherwise; a stream must flow.
      response.set("X-Accel-Buffering", "no");
      stream_ = std::move(queue);
    }
  } catch (...) {
    reset_to_internal_error(response, "out of memory");
    result = SG_ERR_INTERNAL;
  }
  publish();
  return result;
}

sg_status Exchange::stream_write(std::string_view data) noexcept {
  if (cancelled()) return SG_ERR_CANCELLED;
  if (!stream_ || !ready()) return SG_ERR_INVALID;
  bool post = false;
  {
    std::lock_guard lock(stream_->mu);
    if (stream_->ended) return SG_ERR_INVALID;
    if (stream_->pending.size() + data.size() > StreamQueue::kLimit) {
      stream_->ended = true;
      cancel();
      session_->post_stream_abort(ExchangePtr(this));
      return SG_ERR_LIMIT;
    }
    try {
      stream_->pending.append(data);
    } catch (...) {
      return SG_ERR_INTERNAL;
    }
    post = !std::exchange(stream_->flush_posted, true);
  }
  if (post) session_->post_stream_flush(ExchangePtr(this));
  return SG_OK;
}

sg_status Exchange::stream_end() noexcept {
  if (!stream_ || !ready()) return SG_ERR_INVALID;
  if (cancelled()) return SG_ERR_CANCELLED;
  bool post = false;
  {
    std::lock_guard lock(stream_->mu);
    if (stream_->ended) return SG_OK;
    stream_->ended = true;
    post = !std::exchange(stream_->flush_posted, true);
  }
  if (post) session_->post_stream_flush(ExchangePtr(this));
  return SG_OK;
}

void Exchange::stream_close() noexcept {
  cancel();
  std::lock_guard lock(stream_->mu);
  stream_->ended = true;
}

bool Exchange::stream_take(std::string& out) {
  std::lock_guard lock(stream_->mu);
  stream_->flush_posted = false;
  out.append(stream_->pending);
  stream_->pending.clear();
  return stream_->ended;
}

bool Exchange::respond_error(int status, std::string_view code, std::string_view message) noexcept {
  if (!claim()) return false;
  try {
    response.result(static_cast<unsigned>(status));
    response.set(http::field::content_type, "application/json");
    response.body() = error_json(code, message);
  } catch (...) {
    response.result(500);
  }
  publish();
  return true;
}

sg_status Exchange::respond_file(int status, const sg_http_file* spec, sg_error* err) noexcept {
  if (cancelled()) {
    set_err(err, SG_ERR_CANCELLED, "the client has gone away");
    return SG_ERR_CANCELLED;
  }
  if (spec == nullptr || spec->struct_size < sizeof(sg_http_file)) {
    set_err(err, SG_ERR_INVALID, "sg_http_file missing or too small");
    return SG_ERR_INVALID;
  }
  if (status < 200 || status > 599) {
    set_err(err, SG_ERR_INVALID, "status must be 200..599");
    return SG_ERR_INVALID;
  }
  if (answered()) {
    set_err(err, SG_ERR_INVALID, "this exchange was already answered");
    return SG_ERR_INVALID;
  }
  OpenFile f;
  try {
    std::string why;
    // Opening happens before the claim so that a missing file leaves the exchange open.
    if (sg_status st = open_file(*spec, f, why); st != SG_OK) {
      set_err(err, st, why);
      return st;
    }
  } catch (...) {
    set_err(err, SG_ERR_INTERNAL, "out of memory");
    return SG_ERR_INTERNAL;
  }
  std::string_view type = spec->content_type != nullptr && spec->content_type_size > 0
                              ? std::string_view(spec->content_type, spec->content_type_size)
                              : mime_for_path(spec->path != nullptr && spec->fd < 0
                                                  ? std::string_view(spec->path, spec->path_size)
                                                  : std::string_view());
  return respond_opened(status, std::move(f), type, spec->headers, spec->header_count, err);
}

sg_status Exchange::respond_opened(int status, OpenFile&& f, std::string_view type,
                                   const sg_http_header* headers, std::size_t header_count,
                                   sg_error* err) noexcept {
  if (!claim()) {
    sg_status st = cancelled() ? SG_ERR_CANCELLED : SG_ERR_INVALID;
    set_err(err, st, "this exchange was already answered");
    return st;
  }
  try {
    Conditionals c;
    if (method == SG_HTTP_GET || method == SG_HTTP_HEAD) {
      c.if_none_match = header("if-none-match");
      c.if_modified_since = header("if-modified-since");
      c.range = header("range");
      c.if_range = header("if-range");
    }
    plan = decide(status, f, c);
    response.result(static_cast<unsigned>(plan.status));
    sg_error header_err{};
    if (add_headers(response, headers, header_count, &header_err) != SG_OK) {
      reset_to_internal_error(response, "handler produced an invalid header");
      publish();
      set_err(err, SG_ERR_INVALID, header_err.message);
      return SG_ERR_INVALID;
    }
    if (plan.status == 200 || plan.status == 206 || plan.status == 304) {
      response.set(http::field::etag, f.etag);
      response.set(http::field::last_modified, f.last_modified);
      response.set(http::field::accept_ranges, "bytes");
    }
    if (plan.status == 416) {
      response.set(http::field::content_range, plan.content_range);
      response.set(http::field::content_type, "application/json");
      response.body() =
          error_json("range_not_satisfiable", "the requested range is not satisfiable");
    } else if (plan.status == 304) {
      // No body and no Content-Type: the cached representation stays as it was.
    } else {
      if (plan.status == 206) response.set(http::field::content_range, plan.content_range);
      if (response.find(http::field::content_type) == response.end())
        response.set(http::field::content_type, type);
      file.emplace(std::move(f));
    }
  } catch (...) {
    file.reset();
    reset_to_internal_error(response, "out of memory");
  }
  publish();
  return SG_OK;
}

std::string_view Exchange::header(std::string_view name) const {
  const auto& h = parser.get();
  auto it = h.find(name);
  if (it == h.end()) return {};
  return it->value();
}

bool Exchange::has_header(std::string_view name) const {
  const auto& h = parser.get();
  return h.find(name) != h.end();
}

bool Exchange::query_param(std::string_view name, const char** out, std::size_t* out_size) {
  std::lock_guard lock(query_mu_);
  for (const auto& [k, v] : query_cache_) {
    if (k == name) {
      *out = v.data();
      *out_size = v.size();
      return true;
    }
  }
  std::string_view q = query;
  std::string key;
  std::string value;
  while (!q.empty()) {
    std::size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    std::size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    if (percent_decode(k, key, true) && key == name) {
      std::string_view v = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      if (!percent_decode(v, value, true)) return false;
      auto& stored = query_cache_.emplace_back(std::move(key), std::move(value));
      *out = stored.second.data();
      *out_size = stored.second.size();
      return true;
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return false;
}

}  // namespace sg::gateway
