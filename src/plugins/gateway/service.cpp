#include "service.hpp"

#include <cstring>

#include "exchange.hpp"

namespace sg::gateway {
namespace {

Exchange* X(sg_http_exchange* ex) {
  return reinterpret_cast<Exchange*>(ex);
}

void set_view(std::string_view v, const char** out, size_t* out_size) {
  if (out != nullptr) *out = v.data();
  if (out_size != nullptr) *out_size = v.size();
}

void fill(sg_error* err, sg_status st, std::string_view msg) {
  if (err == nullptr) return;
  err->status = st;
  std::size_t n = std::min(msg.size(), static_cast<std::size_t>(SG_ERROR_MESSAGE_MAX - 1));
  std::memcpy(err->message, msg.data(), n);
  err->message[n] = '\0';
}

sg_status route_add(void* self, const sg_http_route* route, uint64_t* out_id, sg_error* err) {
  if (route == nullptr || route->struct_size < sizeof(sg_http_route)) {
    fill(err, SG_ERR_INVALID, "sg_http_route missing or too small");
    return SG_ERR_INVALID;
  }
  try {
    std::string why;
    sg_status st = static_cast<Context*>(self)->routes.add(*route, out_id, why);
    if (st != SG_OK) fill(err, st, why);
    return st;
  } catch (const std::exception& e) {
    fill(err, SG_ERR_INTERNAL, e.what());
    return SG_ERR_INTERNAL;
  }
}

sg_status route_remove(void* self, uint64_t id) {
  try {
    return static_cast<Context*>(self)->routes.remove(id);
  } catch (...) {
    return SG_ERR_INTERNAL;
  }
}

void exchange_ref(sg_http_exchange* ex) {
  if (ex != nullptr) X(ex)->user_ref();
}
void exchange_unref(sg_http_exchange* ex) {
  if (ex != nullptr) X(ex)->user_unref();
}
int is_cancelled(sg_http_exchange* ex) {
  return ex != nullptr && X(ex)->cancelled() ? 1 : 0;
}
uint32_t method(sg_http_exchange* ex) {
  return X(ex)->method;
}
void path(sg_http_exchange* ex, const char** out, size_t* n) {
  set_view(X(ex)->path, out, n);
}
void target(sg_http_exchange* ex, const char** out, size_t* n) {
  set_view(X(ex)->target, out, n);
}
void query(sg_http_exchange* ex, const char** out, size_t* n) {
  set_view(X(ex)->query, out, n);
}

int query_param(sg_http_exchange* ex, const char* name, size_t name_size, const char** out,
                size_t* out_size) {
  try {
    const char* p = nullptr;
    std::size_t n = 0;
    if (!X(ex)->query_param(std::string_view(name, name_size), &p, &n)) return 0;
    set_view(std::string_view(p, n), out, out_size);
    return 1;
  } catch (...) {
    return 0;
  }
}

int path_param(sg_http_exchange* ex, const char* name, size_t name_size, const char** out,
               size_t* out_size) {
  std::string_view want(name, name_size);
  for (const auto& p : X(ex)->params) {
    if (*p.name == want) {
      set_view(p.value, out, out_size);
      return 1;
    }
  }
  return 0;
}

int header(sg_http_exchange* ex, const char* name, size_t name_size, const char** out,
           size_t* out_size) {
  const auto& fields = X(ex)->parser.get();
  auto it = fields.find(std::string_view(name, name_size));
  if (it == fields.end()) return 0;
  set_view(it->value(), out, out_size);
  return 1;
}

size_t header_count(sg_http_exchange* ex) {
  const auto& fields = X(ex)->parser.get();
  return static_cast<size_t>(std::distance(fields.begin(), fields.end()));
}

int header_at(sg_http_exchange* ex, size_t index, sg_http_header* out) {
  const auto& fields = X(ex)->parser.get();
  size_t i = 0;
  for (const auto& f : fields) {
    if (i++ != index) continue;
    if (out != nullptr) {
      std::string_view n = f.name_string();
      std::string_view v = f.value();
      *out = {n.data(), n.size(), v.data(), v.size()};
    }
    return 1;
  }
  return 0;
}

void remote_address(sg_http_exchange* ex, const char** out, size_t* n) {
  set_view(X(ex)->remote_copy, out, n);
}
void request_id(sg_http_exchange* ex, const char** out, size_t* n) {
  set_view(std::string_view(X(ex)->request_id, X(ex)->request_id_len), out, n);
}
void identity(sg_http_exchange* ex, sg_http_identity* out) {
  if (out != nullptr) *out = X(ex)->identity;
}
int64_t content_length(sg_http_exchange* ex) {
  return X(ex)->parser.chunked() ? -1 : X(ex)->content_length;
}
void body(sg_http_exchange* ex, const char** out, size_t* n) {
  set_view(X(ex)->body, out, n);
}

sg_status start_body_read(sg_http_exchange* ex, BodyRead read) {
  Exchange* e = X(ex);
  if (read.fn == nullptr || !e->route || e->route->body_mode != SG_HTTP_BODY_STREAM)
    return SG_ERR_INVALID;
  bool expected = false;
  if (!e->read_outstanding.compare_exchange_strong(expected, true)) return SG_ERR_INVALID;
  try {
    e->session().post_body_read(ExchangePtr(e), read);
  } catch (...) {
    e->read_outstanding.store(false);
    return SG_ERR_INTERNAL;
  }
  return SG_OK;
}

sg_status body_read(sg_http_exchange* ex, sg_http_body_fn fn, void* user) {
  return start_body_read(ex, BodyRead{fn, user, nullptr, 0});
}

sg_status body_read_into(sg_http_exchange* ex, char* buf, size_t capacity, sg_http_body_fn fn,
                         void* user) {
  if (buf == nullptr || capacity == 0) return SG_ERR_INVALID;
  return start_body_read(ex, BodyRead{fn, user, buf, capacity});
}

sg_status respond(sg_http_exchange* ex, int status, const sg_http_header* headers,
                  size_t header_count, const char* body_data, size_t body_size) {
  if (ex == nullptr) return SG_ERR_INVALID;
  if (body_data == nullptr && body_size != 0) return SG_ERR_INVALID;
  return X(ex)->respond(status, headers, header_count,
                        std::string_view(body_data == nullptr ? "" : body_data, body_size),
                        nullptr);
}

sg_status respond_file(sg_http_exchange* ex, int status, const sg_http_file* file, sg_error* err) {
  if (ex == nullptr) return SG_ERR_INVALID;
  return X(ex)->respond_file(status, file, err);
}

sg_status respond_stream(sg_http_exchange* ex, int status, const sg_http_header* headers,
                         size_t header_count, sg_error* err) {
  if (ex == nullptr) return SG_ERR_INVALID;
  return X(ex)->respond_stream(status, headers, header_count, err);
}

sg_status stream_write(sg_http_exchange* ex, const char* data, size_t size) {
  if (ex == nullptr || (data == nullptr && size != 0)) return SG_ERR_INVALID;
  return X(ex)->stream_write(std::string_view(data == nullptr ? "" : data, size));
}

sg_status stream_end(sg_http_exchange* ex) {
  if (ex == nullptr) return SG_ERR_INVALID;
  return X(ex)->stream_end();
}

void listen_address(void* self, const char** host, size_t* host_size, uint16_t* port, int* tls) {
  const GatewayConfig& cfg = static_cast<Context*>(self)->cfg;
  if (host != nullptr) *host = cfg.host.c_str();
  if (host_size != nullptr) *host_size = cfg.host.size();
  if (port != nullptr) *port = cfg.port;
  if (tls != nullptr) *tls = cfg.tls.enabled ? 1 : 0;
}

}  // namespace

void make_http_service(Context& ctx, sg_http_service& s) {
  std::memset(&s, 0, sizeof s);
  s.struct_size = sizeof(sg_http_service);
  s.self = &ctx;
  s.route_add = &route_add;
  s.route_remove = &route_remove;
  s.exchange_ref = &exchange_ref;
  s.exchange_unref = &exchange_unref;
  s.is_cancelled = &is_cancelled;
  s.method = &method;
  s.path = &path;
  s.target = &target;
  s.query = &query;
  s.query_param = &query_param;
  s.path_param = &path_param;
  s.header = &header;
  s.header_count = &header_count;
  s.header_at = &header_at;
  s.remote_address = &remote_address;
  s.request_id = &request_id;
  s.identity = &identity;
  s.content_length = &content_length;
  s.body = &body;
  s.body_read = &body_read;
  s.respond = &respond;
  s.respond_file = &respond_file;
  s.body_read_into = &body_read_into;
  s.listen_address = &listen_address;
  s.respond_stream = &respond_stream;
  s.stream_write = &stream_write;
  s.stream_end = &stream_end;
}

}  // namespace sg::gateway
