/*
 * StreamGate plugin ABI — the stable C boundary between the kernel and every plugin.
 *
 * Pure C99. A plugin is a shared object exporting exactly one symbol, `sg_plugin_entry`,
 * which returns a descriptor. The kernel hands each plugin instance one host API table.
 *
 * Versioning: SG_ABI_MAJOR must match exactly; the host's minor must be >= the plugin's.
 * Tables are append-only: a member added in ABI 1.N is documented "since 1.N" and callers
 * check `struct_size` before touching members newer than what they were built against.
 *
 * General rules (apply to every function in this header and in services/ *.h):
 *  - Strings crossing the boundary are (const char* data, size_t size) pairs, not
 *    necessarily NUL-terminated, valid for the duration of the call only.
 *  - Whoever allocates frees. Memory returned to a caller comes as sg_owned_str, which
 *    carries its own release function.
 *  - Exceptions never cross. Fallible functions return sg_status and, when the caller
 *    passes a non-NULL sg_error*, fill it with a human-readable single-line message.
 *  - Unless stated otherwise, every host API function is thread-safe and may be called from
 *    any thread, including from inside callbacks the host invokes.
 */
#ifndef STREAMGATE_PLUGIN_H
#define STREAMGATE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SG_ABI_MAJOR 1
#define SG_ABI_MINOR 0

/* The one symbol a plugin exports. */
#define SG_PLUGIN_ENTRY_SYMBOL "sg_plugin_entry"

#if defined(__GNUC__)
#define SG_EXPORT __attribute__((visibility("default")))
#else
#define SG_EXPORT
#endif

/* ---------------------------------------------------------------------------------------
 * Status codes and errors (since 1.0)
 * ------------------------------------------------------------------------------------ */

typedef enum sg_status {
  SG_OK = 0,
  SG_ERR_INVALID = 1,     /* bad argument or malformed input */
  SG_ERR_NOT_FOUND = 2,   /* no such service, topic, route, key, record */
  SG_ERR_EXISTS = 3,      /* already registered / key already present */
  SG_ERR_UNAVAILABLE = 4, /* dependency down (database, Redis, RPC); retry may succeed */
  SG_ERR_TIMEOUT = 5,     /* deadline passed */
  SG_ERR_CANCELLED = 6,   /* the operation's owner went away (e.g. client disconnected) */
  SG_ERR_DENIED = 7,      /* not allowed for this caller */
  SG_ERR_CONFLICT = 8,    /* state changed underneath (offset mismatch, version clash) */
  SG_ERR_LIMIT = 9,       /* a size, quota or rate limit was exceeded */
  SG_ERR_VERSION = 10,    /* incompatible ABI or service version */
  SG_ERR_INTERNAL = 11    /* a bug or unexpected failure (including a caught exception) */
} sg_status;

/* Fixed-size so that filling it never allocates across the boundary.
 * `message` is always NUL-terminated; truncated if longer than the buffer. */
#define SG_ERROR_MESSAGE_MAX 512
typedef struct sg_error {
  sg_status status;
  char message[SG_ERROR_MESSAGE_MAX];
} sg_error;

/* A byte string allocated by the callee and handed to the caller. The caller owns it and
 * must call `release(data)` exactly once when done (release may be NULL when data is NULL).
 * `data` is NUL-terminated for convenience; `size` excludes the terminator. */
typedef struct sg_owned_str {
  char* data;
  size_t size;
  void (*release)(char* data);
} sg_owned_str;

/* ---------------------------------------------------------------------------------------
 * Logging (since 1.0)
 * ------------------------------------------------------------------------------------ */

typedef enum sg_log_level {
  SG_LOG_TRACE = 0,
  SG_LOG_DEBUG = 1,
  SG_LOG_INFO = 2,
  SG_LOG_WARN = 3,
  SG_LOG_ERROR = 4,
  SG_LOG_CRITICAL = 5
} sg_log_level;

/* ---------------------------------------------------------------------------------------
 * Callbacks the host invokes (since 1.0)
 * ------------------------------------------------------------------------------------ */

/* An event delivered to a subscriber. Runs on a kernel event-pool thread, never inside
 * publish(). `topic` and `json` are valid for the call only. Must not throw. */
typedef void (*sg_event_fn)(void* user, const char* topic, size_t topic_size, const char* json,
                            size_t json_size);

/* A unit of work on the blocking pool or a timer tick. Must not throw. */
typedef void (*sg_task_fn)(void* user);

/* ---------------------------------------------------------------------------------------
 * Metrics (since 1.0): handles are owned by the host and live as long as the process.
 * ------------------------------------------------------------------------------------ */

typedef enum sg_metric_kind {
  SG_METRIC_COUNTER = 0,  /* monotonically increasing; use metric_add */
  SG_METRIC_GAUGE = 1,    /* up and down; metric_add (may be negative) or metric_set */
  SG_METRIC_HISTOGRAM = 2 /* metric_observe */
} sg_metric_kind;

typedef struct sg_metric sg_metric; /* opaque */

/* ---------------------------------------------------------------------------------------
 * Services: a service is a C vtable (struct of function pointers whose first member is a
 * `uint32_t struct_size` and which carries its own `self` pointer) registered under a name
 * and a major.minor version. See include/streamgate/services/.
 * ------------------------------------------------------------------------------------ */

/* A service a plugin provides. `name` is a NUL-terminated literal with static lifetime. */
typedef struct sg_service_decl {
  const char* name;
  uint32_t major;
  uint32_t minor;
} sg_service_decl;

/* A service a plugin depends on: the provider must have the same major and a minor >=
 * min_minor. When `optional` is non-zero the plugin starts without it; when present its
 * provider is still started first. */
typedef struct sg_service_dep {
  const char* name;
  uint32_t major;
  uint32_t min_minor;
  int optional;
} sg_service_dep;

/* ---------------------------------------------------------------------------------------
 * The host API: one table per plugin instance, valid from create() until destroy() returns.
 * ------------------------------------------------------------------------------------ */

typedef struct sg_host sg_host; /* opaque per-plugin context; pass it back on every call */

typedef struct sg_host_api {
  /* sizeof(sg_host_api) as compiled into the kernel. since 1.0 */
  uint32_t struct_size;
  /* The kernel's ABI version. since 1.0 */
  uint32_t abi_major;
  uint32_t abi_minor;
  /* This plugin instance's context; the first argument of every call below. since 1.0 */
  sg_host* host;

  /* --- logging -------------------------------------------------------------------- */

  /* Writes one log record attributed to this plugin. `msg` need not be NUL-terminated;
   * newlines are escaped by the kernel. since 1.0 */
  void (*log)(sg_host* host, sg_log_level level, const char* msg, size_t msg_size);
  /* Non-zero when `level` would be written for this plugin (skip formatting otherwise).
   * since 1.0 */
  int (*log_enabled)(sg_host* host, sg_log_level level);

  /* --- configuration -------------------------------------------------------------- */

  /* Returns, as JSON, the value at a dotted path of the effective configuration after env
   * overrides and ${VAR} expansion, e.g. "server.data_dir" or "database". Paths under
   * "plugins." other than this plugin's own section are refused (SG_ERR_DENIED) so that a
   * plugin cannot read another's secrets. SG_ERR_NOT_FOUND when absent. On SG_OK the
   * caller owns *out. since 1.0 */
  sg_status (*config_get)(sg_host* host, const char* path, size_t path_size, sg_owned_str* out,
                          sg_error* err);

  /* --- event bus ------------------------------------------------------------------ */

  /* Queues `json` (must be a valid JSON document) for asynchronous delivery to every
   * subscriber of `topic`. Never calls a subscriber on the caller's thread. Topics are
   * dot-separated lowercase words, e.g. "upload.completed". since 1.0 */
  sg_status (*publish)(sg_host* host, const char* topic, size_t topic_size, const char* json,
                       size_t json_size, sg_error* err);
  /* Subscribes `fn(user, ...)` to `pattern`: an exact topic, "prefix.*" (any topic starting
   * with "prefix.") or "*". Deliveries to one subscription are serialised and in publish
   * order; different subscriptions run concurrently. A slow or failing subscriber does not
   * delay the others. The subscription ends at unsubscribe() or when this plugin stops.
   * *out_id receives a non-zero id. since 1.0 */
  sg_status (*subscribe)(sg_host* host, const char* pattern, size_t pattern_size, sg_event_fn fn,
                         void* user, uint64_t* out_id, sg_error* err);
  /* Ends a subscription. When it returns, `fn` is not running and will not be called again
   * (unless called from inside that same callback, in which case the current call finishes
   * and no further ones start). since 1.0 */
  sg_status (*unsubscribe)(sg_host* host, uint64_t id);

  /* --- services ------------------------------------------------------------------- */

  /* Registers `vtable` as the implementation of service name@major.minor. Call it from
   * create(). The vtable must stay valid until this plugin's destroy(). SG_ERR_EXISTS when
   * another plugin already provides name@major. since 1.0 */
  sg_status (*service_register)(sg_host* host, const char* name, size_t name_size, uint32_t major,
                                uint32_t minor, const void* vtable, sg_error* err);
  /* Looks up name@major with minor >= min_minor. Call it from start() or later: providers
   * are started before their dependants. On SG_OK *out_vtable points at the provider's
   * table, valid until service_release(). SG_ERR_NOT_FOUND when no provider exists,
   * SG_ERR_VERSION when its minor is too old. since 1.0 */
  sg_status (*service_acquire)(sg_host* host, const char* name, size_t name_size, uint32_t major,
                               uint32_t min_minor, const void** out_vtable, sg_error* err);
  /* Drops one acquisition. since 1.0 */
  void (*service_release)(sg_host* host, const char* name, size_t name_size, uint32_t major);

  /* --- executors ------------------------------------------------------------------ */

  /* Runs fn(user) on the kernel's bounded blocking pool (for libpq, SQLite, disk, RPC...).
   * Errors:
   *   SG_ERR_LIMIT        the pool's queue is full (server.blocking_queue_limit): the server
   *                       is overloaded; answer "retry later" (HTTP 503 + Retry-After).
   *   SG_ERR_CANCELLED    this plugin has begun stopping; nothing new may start.
   *   SG_ERR_UNAVAILABLE  the pool itself is shut down (process exiting).
   * The kernel waits for a plugin's running tasks before calling its destroy().
   * If this returns an error, fn will never be called (free `user` yourself). since 1.0 */
  sg_status (*run_blocking)(sg_host* host, sg_task_fn fn, void* user, sg_error* err);
  /* Starts a timer: fn(user) runs on a kernel thread after delay_ms, then every period_ms
   * when period_ms > 0 (one-shot otherwise). Ticks of one timer never overlap. Timers end at
   * timer_cancel() or when the plugin stops. since 1.0 */
  sg_status (*timer_start)(sg_host* host, uint64_t delay_ms, uint64_t period_ms, sg_task_fn fn,
                           void* user, uint64_t* out_id, sg_error* err);
  /* Cancels a timer; when it returns, fn is not running (unless called from inside the
   * timer's own callback) and will not run again. since 1.0 */
  sg_status (*timer_cancel)(sg_host* host, uint64_t id);

  /* --- metrics -------------------------------------------------------------------- */

  /* Returns the metric `name` with the given label set, creating it on first use. `labels`
   * is a Prometheus label list without braces, e.g. `route="/x",status="200"`, or empty.
   * `help` is used on creation. For histograms `buckets` (ascending upper bounds, +Inf
   * implied) is used on creation; NULL selects latency defaults in seconds. Returns NULL if
   * `name` is used with a different kind. The handle is valid for the process lifetime;
   * cache it. since 1.0 */
  sg_metric* (*metric_get)(sg_host* host, sg_metric_kind kind, const char* name, size_t name_size,
                           const char* help, size_t help_size, const char* labels,
                           size_t labels_size, const double* buckets, size_t bucket_count);
  /* Adds to a counter (value >= 0) or gauge (any sign). NULL metric is ignored. since 1.0 */
  void (*metric_add)(sg_metric* metric, double value);
  /* Sets a gauge. since 1.0 */
  void (*metric_set)(sg_metric* metric, double value);
  /* Records one observation in a histogram. since 1.0 */
  void (*metric_observe)(sg_metric* metric, double value);
  /* Renders every metric (kernel, bus, plugins) in Prometheus text exposition format 0.0.4.
   * The caller owns *out. since 1.0 */
  sg_status (*metrics_render)(sg_host* host, sg_owned_str* out, sg_error* err);

  /* --- introspection and process control ------------------------------------------ */

  /* JSON array describing every loaded plugin:
   * [{"id","version","file","state","provides":[{"name","major","minor"}],
   *   "requires":[...],"healthy":bool,"health":{...}}]
   * state is one of "loaded","created","started","stopping","stopped","failed".
   * Calls each started plugin's health() (except the caller's own). Caller owns *out.
   * since 1.0 */
  sg_status (*plugins_describe)(sg_host* host, sg_owned_str* out, sg_error* err);
  /* JSON object of kernel statistics:
   * {"uptime_seconds":n,"bus":{"topics":{"<topic>":{"published":n,"delivered":n,
   *  "failed":n,"dropped":n}}},"blocking_pool":{"threads":n,"queued":n,"running":n}}.
   * Caller owns *out. since 1.0 */
  sg_status (*kernel_stats)(sg_host* host, sg_owned_str* out, sg_error* err);
  /* Asks the kernel for a graceful shutdown (as on SIGTERM). Returns immediately. since 1.0 */
  void (*request_shutdown)(sg_host* host);
} sg_host_api;

/* ---------------------------------------------------------------------------------------
 * The plugin descriptor (since 1.0). Static storage in the plugin; never freed.
 * ------------------------------------------------------------------------------------ */

typedef struct sg_plugin_descriptor {
  /* sizeof(sg_plugin_descriptor) as compiled into the plugin. since 1.0 */
  uint32_t struct_size;
  /* The ABI the plugin was built against (SG_ABI_MAJOR / SG_ABI_MINOR). since 1.0 */
  uint32_t abi_major;
  uint32_t abi_minor;
  /* Unique plugin id ([a-z0-9_-]+), its config section is plugins.<id>. since 1.0 */
  const char* id;
  /* Semantic version of the plugin itself. since 1.0 */
  const char* version;
  /* One line for humans. since 1.0 */
  const char* description;

  const sg_service_decl* provides; /* array of provides_count entries; may be NULL. since 1.0 */
  size_t provides_count;
  const sg_service_dep* dependencies; /* array of dependency_count entries. since 1.0 */
  size_t dependency_count;

  /* Mandatory. Builds an instance from this plugin's config section (a JSON object, "{}"
   * when absent). Validate the config here (a bad key fails start-up with your message)
   * and register the services this plugin provides (service_register). Do not acquire or
   * call other services (their providers may not be created yet), start threads or do
   * network I/O. HTTP routes are NOT registered here: they belong to the `http` service,
   * which is only usable from start(); prepare what the routes need (handlers, limits) and
   * register them in start(). `host` stays valid until destroy() returns. On success
   * stores the instance in *out_instance. Called on the kernel's main thread. since 1.0 */
  sg_status (*create)(const sg_host_api* host, const char* config_json, size_t config_size,
                      void** out_instance, sg_error* err);
  /* Mandatory. Acquires services, starts threads, registers routes. Called on the kernel's
   * main thread after every provider this plugin depends on has started. A failure here
   * aborts start-up; the kernel then stops every plugin already started, in reverse
   * order. since 1.0 */
  sg_status (*start)(void* instance, sg_error* err);
  /* Mandatory. Stops work and joins the plugin's own threads. `deadline_ms` is the time
   * budget in milliseconds; past it the kernel logs the plugin as late and carries on. Must
   * release acquired services. Called on the kernel's main thread, in reverse start order
   * (dependants stop before their providers). since 1.0 */
  sg_status (*stop)(void* instance, uint64_t deadline_ms, sg_error* err);
  /* Mandatory. Frees the instance. No host call may be made after it returns. since 1.0 */
  void (*destroy)(void* instance);
  /* Optional (may be NULL: the plugin then counts as healthy while started). Health as a
   * JSON object; "healthy" (bool) is read by the kernel, the rest is shown as-is. Returns
   * SG_OK with *out filled. May be called from any thread while started; must be quick (no
   * network round-trips). since 1.0 */
  sg_status (*health)(void* instance, sg_owned_str* out, sg_error* err);
} sg_plugin_descriptor;

/* The entry function's type. It must not call the host; it may be called more than once.
 * Returns NULL when the plugin cannot work with the host's ABI (the kernel reports it). */
typedef const sg_plugin_descriptor* (*sg_plugin_entry_fn)(uint32_t host_abi_major,
                                                          uint32_t host_abi_minor);

/* What a plugin written in C defines (the C++ layer's SG_PLUGIN macro does it for you):
 *
 *   SG_EXPORT const sg_plugin_descriptor* sg_plugin_entry(uint32_t host_abi_major,
 *                                                         uint32_t host_abi_minor) {
 *     static const sg_plugin_descriptor d = {sizeof d, SG_ABI_MAJOR, SG_ABI_MINOR, "hello",
 *                                            "1.0.0", "says hello", NULL, 0, NULL, 0,
 *                                            hello_create, hello_start, hello_stop,
 *                                            hello_destroy, NULL};
 *     return host_abi_major == SG_ABI_MAJOR ? &d : NULL;
 *   }
 *
 * Threading, in short (docs/PLUGINS.md has the whole page): create/start/stop/destroy run
 * on the kernel's main thread; event callbacks on the kernel's event threads; run_blocking
 * tasks on the blocking pool; timer ticks on the timer thread; HTTP handlers on the
 * gateway's network threads, which must never block. */
SG_EXPORT const sg_plugin_descriptor* sg_plugin_entry(uint32_t host_abi_major,
                                                      uint32_t host_abi_minor);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STREAMGATE_PLUGIN_H */
