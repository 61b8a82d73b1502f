/*
 * Service "cache" v1.2 — provided by the cache plugin (memory or Redis backend).
 *
 * Blocking calls: with the Redis backend every call but get_many_async may do network I/O
 * bounded by the configured timeout, so call them from a blocking-pool thread, never a
 * network thread. get_many_async (since 1.2) never blocks and may be called anywhere.
 * When the backend is down, calls fail fast with SG_ERR_UNAVAILABLE; callers degrade (treat
 * as a miss) rather than hang. Keys and values are binary-safe byte strings.
 */
#ifndef STREAMGATE_SERVICES_CACHE_H
#define STREAMGATE_SERVICES_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_CACHE_SERVICE "cache"
#define SG_CACHE_MAJOR 1
#define SG_CACHE_MINOR 2

/* Most keys one get_many call accepts. since 1.1 */
#define SG_CACHE_GET_MANY_MAX 64

/* A borrowed byte string handed to a get_many_async callback (valid only during the call).
 * since 1.2 */
typedef struct sg_cache_value {
  const char* data;
  size_t size;
} sg_cache_value;

typedef struct sg_cache_service {
  uint32_t struct_size; /* sizeof(sg_cache_service). since 1.0 */
  void* self;           /* first argument of every function below */

  /* Reads a key. SG_OK with *out filled (caller releases), SG_ERR_NOT_FOUND on a miss or
   * an expired key, SG_ERR_UNAVAILABLE when the backend is down. since 1.0 */
  sg_status (*get)(void* self, const char* key, size_t key_size, sg_owned_str* out, sg_error* err);
  /* Stores a value; ttl_ms == 0 means no expiry. since 1.0 */
  sg_status (*set)(void* self, const char* key, size_t key_size, const char* value,
                   size_t value_size, uint64_t ttl_ms, sg_error* err);
  /* Stores only if the key is absent (atomically, across instances for Redis): SG_OK when
   * stored, SG_ERR_EXISTS when the key was present. For single-use nonces. since 1.0 */
  sg_status (*set_if_absent)(void* self, const char* key, size_t key_size, const char* value,
                             size_t value_size, uint64_t ttl_ms, sg_error* err);
  /* Removes a key; SG_OK whether or not it existed (*out_removed says which, may be NULL).
   * since 1.0 */
  sg_status (*del)(void* self, const char* key, size_t key_size, int* out_removed, sg_error* err);
  /* Atomically adds `delta` to an integer counter (created at 0) and returns the new value.
   * When the key is created by this call and ttl_ms > 0, the expiry is set (fixed window
   * counters for rate limits). SG_ERR_INVALID when the value is not an integer. since 1.0 */
  sg_status (*incr)(void* self, const char* key, size_t key_size, int64_t delta, uint64_t ttl_ms,
                    int64_t* out_value, sg_error* err);
  /* Atomically reads and removes a key (single-use consumption). SG_ERR_NOT_FOUND when
   * absent. since 1.0 */
  sg_status (*take)(void* self, const char* key, size_t key_size, sg_owned_str* out, sg_error* err);

  /* --- since 1.1. A 1.0 provider's table ends above: use get_many only when
   * struct_size >= offsetof(sg_cache_service, get_many) + sizeof(void*) and it is not NULL. */

  /* Reads `count` keys (keys[i] of key_sizes[i] bytes, 1 <= count <= SG_CACHE_GET_MANY_MAX)
   * in one backend round trip (one MGET with Redis); each key behaves exactly as get().
   * SG_OK: for every i, statuses[i] is SG_OK with values[i] filled (caller releases each) or
   * SG_ERR_NOT_FOUND (missing or expired) with values[i] empty. Any other return (e.g.
   * SG_ERR_UNAVAILABLE when the backend is down, SG_ERR_INVALID for count 0 or above the
   * limit, a NULL array or an empty key): no value is filled, every statuses[i] is set to the
   * returned status when count and the arrays were valid, and *err says why. A snapshot across
   * keys with Redis (MGET); the memory backend reads key by key. since 1.1 */
  sg_status (*get_many)(void* self, const char* const* keys, const size_t* key_sizes, size_t count,
                        sg_owned_str* values, sg_status* statuses, sg_error* err);

  /* --- since 1.2. Older tables end above: use get_many_async only when
   * struct_size >= offsetof(sg_cache_service, get_many_async) + sizeof(void*) and it is not
   * NULL. */
  /* get_many without blocking the caller: safe on a network thread. The keys are copied before
   * it returns. `done` is called exactly once, either on the calling thread before
   * get_many_async returns (the memory backend always; any backend on an invalid argument or
   * once it has stopped) or later on a thread owned by the cache plugin
   * (Redis: one pipelining thread batches the reads of concurrent callers into one round trip).
   * The arguments of `done` mean what get_many's do: `status` is the call's result,
   * statuses[i] / values[i] per key when it is SG_OK, `err` why when it is not. values[i] are
   * BORROWED for the duration of `done` (copy what you keep; do not release them); all arrays
   * are NULL when `status` is not SG_OK. `done` must be quick and must not block (hand slow
   * work to run_blocking); it must not throw. Return value: SG_OK when `done` has been or will
   * be called — always, unless count/keys are invalid, in which case SG_ERR_INVALID is returned
   * AND `done` is still called once with that status (so a caller needs one code path); a
   * NULL `done` alone is refused with SG_ERR_INVALID and nothing else happens.
   * Consumers stop before their providers, so a consumer whose `done` uses its own state must
   * count its outstanding calls and wait for them in its stop; each completes within about
   * the configured command timeout (twice it behind a stalled batch; the provider's own stop
   * completes the queued ones with SG_ERR_UNAVAILABLE). since 1.2 */
  sg_status (*get_many_async)(void* self, const char* const* keys, const size_t* key_sizes,
                              size_t count,
                              void (*done)(void* user, sg_status status,
                                           const sg_cache_value* values, const sg_status* statuses,
                                           const sg_error* err),
                              void* user);
} sg_cache_service;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STREAMGATE_SERVICES_CACHE_H */
