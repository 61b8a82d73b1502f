/*
 * Service "jobs" v1 — durable background jobs, provided by the worker plugin.
 *
 * Jobs live in the SQL database (SQLite or PostgreSQL), survive crashes and are shared by
 * every streamgate process on the same database: a job runs on exactly one runner thread
 * (of one process) at a time (leases with heartbeat; a job whose process died is
 * re-claimed when its lease expires). A handler may therefore run more than once for the
 * same job (after a crash or a retry): handlers must be idempotent.
 *
 * Blocking: enqueue/cancel/get do database I/O; call them from a blocking-pool thread
 * (host run_blocking) or a plugin's own thread, never from a network thread.
 * Pure C99; same rules as plugin.h (strings valid for the call only, whoever allocates
 * frees, no exceptions across).
 */
#ifndef STREAMGATE_SERVICES_JOBS_H
#define STREAMGATE_SERVICES_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_JOBS_SERVICE "jobs"
#define SG_JOBS_MAJOR 1
#define SG_JOBS_MINOR 0

/* Job states as they appear in get()'s JSON "state" and in REST. since 1.0
 *  "queued"    waiting for run_at (new, delayed, or waiting for a retry after a failure)
 *  "running"   claimed by a runner thread holding a lease
 *  "succeeded" the handler called succeed()
 *  "dead"      failed max_attempts times (or failed non-retryably); last_error is kept
 *  "cancelled" cancel() was called before it finished */

/* Options for enqueue(); pass NULL for all defaults. Zero-initialise, then set
 * struct_size = sizeof(sg_job_options). since 1.0 */
typedef struct sg_job_options {
  uint32_t struct_size; /* sizeof(sg_job_options). since 1.0 */
  /* Higher runs first among due jobs; default 0. since 1.0 */
  int32_t priority;
  /* Not run before now + delay_ms. since 1.0 */
  uint64_t delay_ms;
  /* Attempts before the job goes "dead"; 0 = the worker's default
   * (plugins.worker.max_attempts, 5). since 1.0 */
  uint32_t max_attempts;
  /* Deduplication key (may be NULL/empty = none). A second enqueue with the same type and
   * key returns the existing job's id (whatever its state) and creates nothing. since 1.0 */
  const char* idempotency_key;
  size_t idempotency_key_size;
  /* Optional wallet address of the user the job acts for ("0x" + 40 hex, may be NULL):
   * that user may read, retry and cancel it over REST (admins may always). since 1.0 */
  const char* owner;
  size_t owner_size;
} sg_job_options;

/* A job being run, handed to a handler. Valid until the handler returns; the handler must
 * not keep it. All functions take `ctx` as first argument and may be called only from the
 * handler's own thread, before it returns. since 1.0 */
typedef struct sg_job_context {
  uint32_t struct_size; /* sizeof(sg_job_context). since 1.0 */
  void* ctx;            /* opaque; first argument of the functions below */

  const char* id; /* the job id (UUID text), NUL-terminated. since 1.0 */
  size_t id_size;
  const char* type; /* NUL-terminated. since 1.0 */
  size_t type_size;
  const char* payload_json; /* the payload given to enqueue(), NUL-terminated. since 1.0 */
  size_t payload_size;
  uint32_t attempt;      /* 1 for the first run, 2 for the first retry... since 1.0 */
  uint32_t max_attempts; /* since 1.0 */

  /* Reports progress: percent 0..100 (clamped) and a short message (may be empty). It is
   * persisted and published as event "job.progress" {job_id, type, progress, message}.
   * Returns SG_ERR_CANCELLED when the job was cancelled or the worker is stopping: the
   * handler should then return promptly. since 1.0 */
  sg_status (*progress)(void* ctx, uint32_t percent, const char* message, size_t message_size);
  /* Non-zero once the job was cancelled or the worker is shutting down. Cheap; poll it in
   * long loops. since 1.0 */
  int (*is_cancelled)(void* ctx);
  /* Marks the job succeeded with an optional result (a JSON document, or NULL/empty). Call
   * at most once, then return. since 1.0 */
  void (*succeed)(void* ctx, const char* result_json, size_t result_size);
  /* Marks this attempt failed with a message (kept as last_error). When `retryable` is
   * non-zero and attempts remain, the job is re-queued with exponential backoff + jitter;
   * otherwise it becomes "dead". A handler that returns without calling succeed() or fail()
   * counts as fail(retryable=1, "handler returned without a result"), unless the job was
   * cancelled or the worker is stopping (then the job is released for a later run without
   * consuming the attempt). since 1.0 */
  void (*fail)(void* ctx, const char* message, size_t message_size, int retryable);
} sg_job_context;

/* Runs one job on one of the worker plugin's runner threads (never a network or event
 * thread). It may block for as long as the work takes (the worker keeps the lease alive by
 * heartbeat) and must not throw. since 1.0 */
typedef void (*sg_job_handler_fn)(void* user, const sg_job_context* job);

typedef struct sg_jobs_service {
  uint32_t struct_size; /* sizeof(sg_jobs_service). since 1.0 */
  void* self;           /* first argument of every function below */

  /* Enqueues a job of `type` ([a-z0-9_.-]{1,64}) with a JSON payload (must be a valid JSON
   * document; NULL/empty = "{}"). On SG_OK *out_id receives the job id (UUID text; caller
   * releases). With an idempotency key that was already used for this type, *out_id is the
   * existing job's id. The job is durable when this returns. SG_ERR_INVALID for a bad type,
   * payload or option; SG_ERR_UNAVAILABLE when the database is down. since 1.0 */
  sg_status (*enqueue)(void* self, const char* type, size_t type_size, const char* payload_json,
                       size_t payload_size, const sg_job_options* options, sg_owned_str* out_id,
                       sg_error* err);

  /* Registers the handler for `type` in this process: the runner threads start claiming
   * jobs of that type. Call from start() or later. SG_ERR_EXISTS when a handler for the type
   * is already registered. since 1.0 */
  sg_status (*register_handler)(void* self, const char* type, size_t type_size,
                                sg_job_handler_fn fn, void* user, sg_error* err);
  /* Unregisters it; running invocations see is_cancelled() and are waited for. When this
   * returns `fn` is not running and will not be called again. Call from the handler
   * plugin's stop(). SG_ERR_NOT_FOUND when not registered. since 1.0 */
  sg_status (*unregister_handler)(void* self, const char* type, size_t type_size);

  /* Cancels a job: a queued job becomes "cancelled" at once; a running one is flagged (its
   * handler sees is_cancelled()/SG_ERR_CANCELLED) and becomes "cancelled" when it returns.
   * SG_ERR_NOT_FOUND for an unknown id, SG_ERR_CONFLICT when it already finished
   * (succeeded, dead or cancelled). since 1.0 */
  sg_status (*cancel)(void* self, const char* id, size_t id_size, sg_error* err);

  /* The job as a JSON object (caller releases *out):
   * {"id","type","state","payload":{...},"priority","attempts","max_attempts","progress",
   *  "progress_message","last_error"|null,"result"|null,"owner"|null,"idempotency_key"|null,
   *  "run_at","created_at","updated_at","finished_at"|null}; times are RFC 3339 UTC.
   * SG_ERR_NOT_FOUND for an unknown id. since 1.0 */
  sg_status (*get)(void* self, const char* id, size_t id_size, sg_owned_str* out, sg_error* err);
} sg_jobs_service;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STREAMGATE_SERVICES_JOBS_H */
