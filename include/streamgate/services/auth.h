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

/* What a valid playback token carries (since 1.0). */
typedef struct sg_auth_playback {
  uint32_t struct_size; /* set by the caller to sizeof(sg_auth_playback). since 1.0 */
  /* EIP-55 address the token was minted for, "" for an anonymous token. */
  char address[SG_IDENTITY_ADDRESS_MAX];
  uint64_t chain_id;   /* 0 for an anonymous token */
  uint64_t expires_at; /* Unix seconds */
} sg_auth_playback;

/* Flags for gate_check (since 1.0). */
enum {
  /* Ask the chain even when a cached answer exists (an owner's explicit re-check); the fresh
   * answer replaces the cached one. */
  SG_AUTH_GATE_BYPASS_CACHE = 1u << 0
};

/* The answer of a gate check (since 1.0). */
#define SG_AUTH_BALANCE_MAX 80
typedef struct sg_auth_gate_result {
  uint32_t struct_size; /* set by the caller to sizeof(sg_auth_gate_result). since 1.0 */
  int allowed;          /* non-zero when the identity may play content behind the gate */
  int cached;           /* non-zero when the answer came from the cache */
  /* For NFT rules, the balance read (decimal; "1"/"0" for ownerOf), "" otherwise. */
  char balance[SG_AUTH_BALANCE_MAX];
  /* Why not allowed, e.g. "not_signed_in", "insufficient_balance" ("" when allowed). */
  char reason[64];
} sg_auth_gate_result;

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

  /* --- playback tokens (since 1.0) -------------------------------------------------- *
   * Short-lived tokens bound to ONE content id (plus the wallet, when minted for a signed-in
   * caller, plus an expiry). Signed with a key and audience different from session tokens:
   * a playback token is never accepted by identify(), a session token never by
   * playback_verify(), and a token for one content id never verifies for another. */

  /* Mints a token for `content_id`. `identity` may be NULL or unauthenticated (anonymous
   * token for public content); otherwise the token carries its address and chain id.
   * ttl_seconds == 0 selects the configured default; values above the configured maximum are
   * clamped. On SG_OK *out_token holds the token (caller releases). Pure CPU. since 1.0 */
  sg_status (*playback_mint)(void* self, const char* content_id, size_t content_id_size,
                             const sg_http_identity* identity, uint64_t ttl_seconds,
                             sg_owned_str* out_token, sg_error* err);
  /* Verifies a playback token for `content_id`. SG_OK and *out filled when valid for exactly
   * that content id; SG_ERR_DENIED (reason in err) when forged, expired, of another content
   * id or not a playback token. Pure CPU. since 1.0 */
  sg_status (*playback_verify)(void* self, const char* token, size_t token_size,
                               const char* content_id, size_t content_id_size,
                               struct sg_auth_playback* out, sg_error* err);

  /* --- gates (since 1.0) ------------------------------------------------------------- *
   * A gate rule is a JSON object:
   *   {"type":"public"}                       anyone
   *   {"type":"signed_in"}                    any authenticated identity
   *   {"type":"nft","chain_id":1,"contract":"0x..","standard":"erc721"|"erc1155",
   *    "token_id":"<decimal or 0x hex>" (required for erc1155, optional for erc721: with it
   *    ownerOf(token_id) == address, without it balanceOf(address) >= min_balance),
   *    "min_balance":"1" (decimal, default 1)}
   *   {"any_of":[rule, ...]}                  allowed when one of the rules allows
   * An object without "type" but with "contract" is an NFT rule, so the metadata record's
   * "gate" object can be passed as is.
   * NFT checks call the chain (eth_call); results are cached with separate TTLs for "has" and
   * "has not" unless flags has SG_AUTH_GATE_BYPASS_CACHE. Fail closed: when no RPC endpoint
   * answers, the result is SG_ERR_UNAVAILABLE (HTTP 503 gate_check_unavailable), never allow.
   * SG_ERR_INVALID for a malformed rule or a chain that is not configured. */

  /* Blocking (network I/O bounded by the chain's timeout x endpoints): call it from a
   * blocking-pool thread, never a network thread. On SG_OK *out is filled (allowed or not).
   * since 1.0 */
  sg_status (*gate_check)(void* self, const sg_http_identity* identity, const char* gate_json,
                          size_t gate_json_size, uint32_t flags, struct sg_auth_gate_result* out,
                          sg_error* err);
  /* Non-blocking form: runs the check on the kernel's blocking pool and calls
   * done(user, status, result, err) exactly once on that pool thread (never inside this call)
   * when it returns SG_OK. `result` and `err` are valid for the callback only. When this
   * returns an error `done` is never called. since 1.0 */
  sg_status (*gate_check_async)(void* self, const sg_http_identity* identity, const char* gate_json,
                                size_t gate_json_size, uint32_t flags,
                                void (*done)(void* user, sg_status status,
                                             const struct sg_auth_gate_result* result,
                                             const sg_error* err),
                                void* user, sg_error* err);

  /* --- EIP-712 typed data (since 1.0) ------------------------------------------------ */

  /* Verifies an EIP-712 signature. `typed_data_json` is the eth_signTypedData_v4 payload
   * {"types":{...,"EIP712Domain":[...]},"primaryType":"...","domain":{...},"message":{...}}
   * (nested structs and arrays supported); `signature` is 0x-hex r||s||v (65 bytes, v in
   * {27,28,0,1}, low s). On SG_OK out_address receives the recovered EIP-55 signer (NUL
   * terminated) and out_digest (may be NULL) the 32-byte signing hash. When
   * `expected_address` is non-empty the recovered signer must equal it (SG_ERR_DENIED
   * otherwise; for a contract wallet the check falls back to EIP-1271, which is blocking).
   * SG_ERR_INVALID for malformed typed data or signature. since 1.0 */
  sg_status (*verify_typed_data)(void* self, const char* typed_data_json, size_t typed_data_size,
                                 const char* signature, size_t signature_size,
                                 const char* expected_address, size_t expected_address_size,
                                 char out_address[SG_IDENTITY_ADDRESS_MAX], uint8_t out_digest[32],
                                 sg_error* err);
} sg_auth_service;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STREAMGATE_SERVICES_AUTH_H */
