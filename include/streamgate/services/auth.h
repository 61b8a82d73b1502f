/*
 * Service "auth" v1 — provided by the auth plugin.
 *
 * The gateway calls identify() for every request carrying a Bearer token or session
 * cookie; handlers only ever see the resulting sg_http_identity. Other members (playback
 * tokens, gate checks, typed-data verification) are documented where they are declared.
 */
#ifndef STREAMGATE_SERVICES_AUTH_H
#define STREAMGATE_SERVICES_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "../plugin.h"
#include "http.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_AUTH_SERVICE "auth"
#define SG_AUTH_MAJOR 1
#define SG_AUTH_MINOR 0

/* Name of the session cookie the gateway reads when there is no Authorization header. */
#define SG_AUTH_SESSION_COOKIE "sg_session"

typedef struct sg_auth_service {
  uint32_t struct_size; /* sizeof(sg_auth_service). since 1.0 */
  void* self;           /* first argument of every function below */

  /* Verifies a session token (the JWT from "Authorization: Bearer" or the session cookie)
   * and fills *out. Pure CPU plus, for revocation, a cache lookup: fast enough for a
   * network thread with the memory cache; bounded by the cache timeout otherwise.
   * SG_OK with out->authenticated = 1 for a valid session; SG_ERR_DENIED (with a reason in
   * err) for an invalid, expired or revoked token; SG_ERR_UNAVAILABLE when revocation
   * cannot be checked. since 1.0 */
  sg_status (*identify)(void* self, const char* token, size_t token_size, sg_http_identity* out,
                        sg_error* err);
} sg_auth_service;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STREAMGATE_SERVICES_AUTH_H */
