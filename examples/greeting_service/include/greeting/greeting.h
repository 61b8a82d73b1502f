/* greeting v1: the service examples/greeting_service provides. A third-party service
 * contract is a C header like this one: a versioned table of function pointers, shipped
 * with the provider so consumers (examples/job_consumer) compile against it without
 * seeing the provider's code. Same rules as the SDK's own service headers: strings are
 * (data, size) pairs valid for the call, memory handed back is an sg_owned_str the caller
 * releases, errors are an sg_status plus sg_error, nothing throws. */
#ifndef GREETING_GREETING_H
#define GREETING_GREETING_H

#include <stddef.h>
#include <stdint.h>

#include <streamgate/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GREETING_SERVICE "greeting"
#define GREETING_MAJOR 1
#define GREETING_MINOR 0

/* Longest name greet() accepts, in bytes. */
#define GREETING_NAME_MAX 100

typedef struct greeting_service {
  uint32_t struct_size; /* sizeof(greeting_service). since 1.0 */
  void* self;           /* first argument of every function below */

  /* Writes "<greeting>, <name>!" (the greeting is the provider's plugins.<id>.greeting) to
   * *out (caller releases). SG_ERR_INVALID (message in err) when name is empty or longer
   * than GREETING_NAME_MAX bytes. Pure CPU: callable from any thread. since 1.0 */
  sg_status (*greet)(void* self, const char* name, size_t name_size, sg_owned_str* out,
                     sg_error* err);

  /* How many greetings this provider has made since start-up. since 1.0 */
  uint64_t (*count)(void* self);
} greeting_service;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GREETING_GREETING_H */
