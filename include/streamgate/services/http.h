/*
 * Service "http" v1 — provided by the gateway plugin.
 *
 * Other plugins register routes; the gateway owns sockets, parsing, TLS, middleware and
 * file transmission. Handlers receive a ref-counted exchange and answer it now or later,
 * from any thread. Pure C99; same rules as plugin.h (strings valid for the call only,
 * whoever allocates frees, no exceptions across).
 */
#ifndef STREAMGATE_SERVICES_HTTP_H
#define STREAMGATE_SERVICES_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_HTTP_SERVICE "http"
#define SG_HTTP_MAJOR 1
#define SG_HTTP_MINOR 3

/* Method mask bits (since 1.0). HEAD requests also match routes that accept GET. */
enum {
  SG_HTTP_GET = 1u << 0,
  SG_HTTP_HEAD = 1u << 1,
  SG_HTTP_POST = 1u << 2,
  SG_HTTP_PUT = 1u << 3,
  SG_HTTP_PATCH = 1u << 4,
  SG_HTTP_DELETE = 1u << 5,
  SG_HTTP_OPTIONS = 1u << 6
};

typedef enum sg_http_body_mode {
  /* Requests with a body are refused with 413 (the route takes none). */
  SG_HTTP_BODY_NONE = 0,
  /* The gateway reads the whole body (up to max_body_bytes, 413 past it) before calling
   * the handler; body() returns it. */
  SG_HTTP_BODY_BUFFER = 1,
  /* The handler runs after the header. It refuses by responding, or pulls the body chunk by
   * chunk with body_read(); `100 Continue` is sent on the first body_read(). Memory stays
   * bounded: the gateway reads the next chunk only when asked. max_body_bytes (0 = the
   * gateway's limits.max_body_bytes) still applies: the read fails with SG_ERR_LIMIT and the
   * gateway answers 413; UINT64_MAX leaves every limit to the handler. */
  SG_HTTP_BODY_STREAM = 2
} sg_http_body_mode;

/* What a handler returns (since 1.0). Returning LATER after having answered is harmless.
 * Returning ANSWERED without an answer, or releasing the last reference of an unanswered
 * exchange, makes the gateway answer 500 internal_error. */
typedef enum sg_http_handler_result {
  SG_HTTP_ANSWERED = 0, /* a respond*() call was made before returning */
  SG_HTTP_LATER = 1     /* the handler kept a reference (exchange_ref) and answers later */
} sg_http_handler_result;

typedef struct sg_http_exchange sg_http_exchange; /* opaque, ref-counted */

/* A request or response header. */
typedef struct sg_http_header {
  const char* name;
  size_t name_size;
  const char* value;
  size_t value_size;
} sg_http_header;

/* The verified caller, filled by the gateway from the auth service (see services/auth.h). */
#define SG_IDENTITY_ADDRESS_MAX 64
typedef struct sg_http_identity {
  /* Non-zero when the request carried a valid session; all other fields are zero then. */
  int authenticated;
  /* EIP-55 checksummed wallet address, NUL-terminated ("0x" + 40 hex). */
  char address[SG_IDENTITY_ADDRESS_MAX];
  uint64_t chain_id;
  /* Non-zero for administrators (addresses listed in auth config). */
  int is_admin;
} sg_http_identity;

/* Called for each matched request on a gateway network thread. Must not block and must not
 * throw. The exchange reference passed in is borrowed for the call; take one with
 * exchange_ref() to answer after returning SG_HTTP_LATER. */
typedef sg_http_handler_result (*sg_http_handler_fn)(void* user, sg_http_exchange* exchange);

/* Streamed body delivery (since 1.0). Called once per body_read() on a gateway thread:
 *  - status SG_OK, size > 0: `data` holds the next chunk (valid for the call only);
 *  - status SG_OK, size == 0: end of body;
 *  - other status: the body failed (SG_ERR_CANCELLED on disconnect, SG_ERR_LIMIT past
 *    max_body_bytes, SG_ERR_TIMEOUT on an idle client, SG_ERR_INVALID on a bad framing).
 * Must not block: hand blocking work (disk, fsync) to a pool, then call body_read() again. */
typedef void (*sg_http_body_fn)(void* user, sg_http_exchange* exchange, sg_status status,
                                const char* data, size_t size);

typedef struct sg_http_route {
  uint32_t struct_size; /* sizeof(sg_http_route). since 1.0 */
  uint32_t methods;     /* mask of SG_HTTP_* bits. since 1.0 */
  const char* pattern;  /* e.g. "/api/v1/content/{id}"; a last segment "{name*}" captures
                           the rest of the path (with slashes). since 1.0 */
  size_t pattern_size;
  sg_http_body_mode body_mode; /* since 1.0 */
  uint64_t max_body_bytes;     /* 0 = the gateway's configured default. since 1.0 */
  sg_http_handler_fn handler;  /* since 1.0 */
  void* user;                  /* passed to handler. since 1.0 */
} sg_http_route;

/* A file response. The gateway handles Range (206/416), ETag/If-None-Match (304),
 * Last-Modified/If-Modified-Since, HEAD and transmission (sendfile on plain TCP). */
typedef struct sg_http_file {
  uint32_t struct_size; /* sizeof(sg_http_file). since 1.0 */
  const char* path;     /* file to send; used when fd < 0 */
  size_t path_size;
  int fd;                   /* an open readable fd, or -1; the gateway dups it, the caller
                               keeps ownership of its own */
  uint64_t offset;          /* start of the window within the file */
  uint64_t length;          /* window length; UINT64_MAX = to end of file */
  const char* content_type; /* NULL = guessed from the path's extension */
  size_t content_type_size;
  const sg_http_header* headers; /* extra headers (e.g. Cache-Control); may be NULL */
  size_t header_count;
} sg_http_file;

typedef struct sg_http_service {
  uint32_t struct_size; /* sizeof(sg_http_service). since 1.0 */
  void* self;           /* pass as the first argument of the route functions */

  /* --- routes ------------------------------------------------------------------ */

  /* Adds a route. A pattern+method overlap with an existing route is SG_ERR_EXISTS.
   * *out_id identifies it for route_remove. since 1.0 */
  sg_status (*route_add)(void* self, const sg_http_route* route, uint64_t* out_id, sg_error* err);
  /* Removes a route; requests already dispatched keep their exchange. When it returns the
   * handler is not called again. Call from stop(). since 1.0 */
  sg_status (*route_remove)(void* self, uint64_t route_id);

  /* --- exchange lifetime ------------------------------------------------------- */

  void (*exchange_ref)(sg_http_exchange* ex);   /* since 1.0 */
  void (*exchange_unref)(sg_http_exchange* ex); /* since 1.0 */
  /* Non-zero once the client disconnected or the request timed out. since 1.0 */
  int (*is_cancelled)(sg_http_exchange* ex);

  /* --- request ----------------------------------------------------------------- *
   * Accessors set *out and *out_size to memory owned by the exchange, valid while the caller
   * holds a reference. They may be called from any thread. */

  uint32_t (*method)(sg_http_exchange* ex); /* one SG_HTTP_* bit. since 1.0 */
  void (*path)(sg_http_exchange* ex, const char** out, size_t* out_size);   /* decoded path */
  void (*target)(sg_http_exchange* ex, const char** out, size_t* out_size); /* raw target */
  /* Raw query string without '?'. since 1.0 */
  void (*query)(sg_http_exchange* ex, const char** out, size_t* out_size);
  /* Percent-decoded query parameter; non-zero when present. since 1.0 */
  int (*query_param)(sg_http_exchange* ex, const char* name, size_t name_size, const char** out,
                     size_t* out_size);
  /* Value of a {name} segment of the route pattern (percent-decoded); non-zero when present.
   * since 1.0 */
  int (*path_param)(sg_http_exchange* ex, const char* name, size_t name_size, const char** out,
                    size_t* out_size);
  /* Case-insensitive header lookup (first occurrence); non-zero when present. since 1.0 */
  int (*header)(sg_http_exchange* ex, const char* name, size_t name_size, const char** out,
                size_t* out_size);
  size_t (*header_count)(sg_http_exchange* ex);                              /* since 1.0 */
  int (*header_at)(sg_http_exchange* ex, size_t index, sg_http_header* out); /* since 1.0 */
  /* Peer address as text ("127.0.0.1:53312"). since 1.0 */
  void (*remote_address)(sg_http_exchange* ex, const char** out, size_t* out_size);
  /* The request id (from X-Request-Id if valid, else generated). since 1.0 */
  void (*request_id)(sg_http_exchange* ex, const char** out, size_t* out_size);
  /* The verified identity (copied into *out). since 1.0 */
  void (*identity)(sg_http_exchange* ex, sg_http_identity* out);
  /* Declared Content-Length, or -1 when absent/chunked. since 1.0 */
  int64_t (*content_length)(sg_http_exchange* ex);
  /* BUFFER mode: the whole body. since 1.0 */
  void (*body)(sg_http_exchange* ex, const char** out, size_t* out_size);
  /* STREAM mode: asks for the next chunk. On SG_OK `fn` is called exactly once, always
   * after body_read() has returned, on a gateway thread. Only one read may be outstanding.
   * SG_ERR_INVALID when not in STREAM mode or a read is pending. since 1.0 */
  sg_status (*body_read)(sg_http_exchange* ex, sg_http_body_fn fn, void* user);

  /* --- response ---------------------------------------------------------------- *
   * Exactly one respond* call per exchange; later calls return SG_ERR_INVALID, calls after
   * the client left return SG_ERR_CANCELLED. Callable from any thread. The gateway adds
   * Date, Server, X-Request-Id, CORS and Content-Length. For a STREAM route answered before
   * the body was fully read, the gateway closes the connection after the response. */

  /* A buffered response; `body` is copied. since 1.0 */
  sg_status (*respond)(sg_http_exchange* ex, int status, const sg_http_header* headers,
                       size_t header_count, const char* body, size_t body_size);
  /* A file response; see sg_http_file. SG_ERR_NOT_FOUND (and nothing sent) when the file
   * cannot be opened, so the caller can answer otherwise. since 1.0 */
  sg_status (*respond_file)(sg_http_exchange* ex, int status, const sg_http_file* file,
                            sg_error* err);

  /* --- since 1.1. A 1.0 provider's table ends above: use body_read_into only when
   * struct_size >= offsetof(sg_http_service, body_read_into) + sizeof(void*) and it is not
   * NULL (or require http 1.1). */

  /* STREAM mode: like body_read(), but the gateway puts the chunk into the caller's `buf`
   * (1 <= size <= capacity) and `fn` gets data == buf; the end of body and failures are
   * reported as for body_read(). This saves the handler a copy: on plain HTTP with a
   * Content-Length the bytes go from the socket straight into `buf`, as many as are
   * queued (up to `capacity`). The gateway writes into `buf` only until it calls `fn`
   * (exactly once, also on failure or disconnect), so `buf` must stay valid until then.
   * SG_ERR_INVALID as body_read(), or when buf is NULL or capacity is 0. since 1.1 */
  sg_status (*body_read_into)(sg_http_exchange* ex, char* buf, size_t capacity, sg_http_body_fn fn,
                              void* user);

  /* --- since 1.2. Older providers' tables end above: check struct_size as for 1.1. */

  /* The address the gateway is configured to listen on, for plugins that must name this
   * server without trusting a request's Host header (e.g. the SIWE domain). *host receives
   * the configured host ("127.0.0.1", "0.0.0.0", "::", a name; "" = all interfaces), valid
   * while the service is acquired; *port the configured port; *tls non-zero when it serves
   * HTTPS. Any out pointer may be NULL. Never blocks. since 1.2 */
  void (*listen_address)(void* self, const char** host, size_t* host_size, uint16_t* port,
                         int* tls);

  /* --- since 1.3. Older providers' tables end above: check struct_size as for 1.1. */

  /* A streamed answer, for long-lived responses such as Server-Sent Events: the status and
   * headers go out now (with chunked transfer encoding; an HTTP/1.0 client gets the body
   * until the connection closes), the body follows in pieces queued with stream_write(),
   * and stream_end() finishes it. Counts as the exchange's one respond* call. No request
   * timeout applies while the stream is open; it is over (the exchange turns cancelled,
   * stream_write() returns SG_ERR_CANCELLED) when the client disconnects, when a write makes
   * no progress for the gateway's idle timeout, or at shutdown, where the gateway sends what
   * is queued, ends the body and closes. The handler keeps its exchange reference until then
   * and releases it afterwards (releasing it earlier ends the stream). since 1.3 */
  sg_status (*respond_stream)(sg_http_exchange* ex, int status, const sg_http_header* headers,
                              size_t header_count, sg_error* err);
  /* Queues `size` bytes (copied) after those queued before; they are sent in order, from
   * the connection's thread. Never blocks. SG_ERR_LIMIT when more than 1 MiB would be
   * waiting unsent (a client that does not read): the gateway then closes the connection.
   * SG_ERR_CANCELLED once the stream is over; SG_ERR_INVALID before respond_stream() or
   * after stream_end(). Any thread. since 1.3 */
  sg_status (*stream_write)(sg_http_exchange* ex, const char* data, size_t size);
  /* Ends the body once the queued bytes are sent; the connection then serves its next
   * request. Any thread. since 1.3 */
  sg_status (*stream_end)(sg_http_exchange* ex);
} sg_http_service;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STREAMGATE_SERVICES_HTTP_H */
