/*
 * Service "metadata" v1 — the content catalogue, provided by the metadata plugin.
 *
 * Records are JSON objects (the same shape REST returns):
 *   {"id": "<uuid>", "owner": "0x…" (EIP-55 as given by the gateway),
 *    "title": str, "description": str, "tags": [str],
 *    "visibility": "public" | "signed_in" | "token_gated",
 *    "gate": null | {"chain_id": int > 0, "contract": "0x" + 40 hex,
 *                    "standard": "erc721" | "erc1155", "token_id": decimal str | null,
 *                    "min_balance": int >= 1},
 *    "status": "uploading" | "processing" | "ready" | "failed", "status_reason": str | null,
 *    "source": null | {"size": int, "container": str, "codecs": [str], "duration": number,
 *                      "width": int, "height": int},
 *    "renditions": [ {...} ],  (objects chosen by the transcoder, stored as given)
 *    "poster": str | null,     (path relative to the content's media folder, or URL)
 *    "media": null | {...},    (since 1.1: what the transcoder published — "duration",
 *                               "hls", "dash", "storyboard": paths relative to the media
 *                               folder; an object of at most 4096 bytes, stored as given)
 *    "created_at": RFC 3339 UTC, "updated_at": RFC 3339 UTC}
 *
 * Limits: title <= 200 chars, description <= 5000, tags <= 20 of <= 50 chars each.
 * Validation failures return SG_ERR_INVALID with a message naming the field
 * (e.g. "title: must be at most 200 characters").
 *
 * These functions do database I/O: call them from a blocking-pool thread (host
 * run_blocking) or the caller's own thread, never from a network thread. Callers of this
 * service are trusted plugins: no owner check is made here (REST does that).
 * Database down -> SG_ERR_UNAVAILABLE. Pure C99; same rules as plugin.h.
 */
#ifndef STREAMGATE_SERVICES_METADATA_H
#define STREAMGATE_SERVICES_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_METADATA_SERVICE "metadata"
#define SG_METADATA_MAJOR 1
#define SG_METADATA_MINOR 2

typedef struct sg_metadata_service {
  uint32_t struct_size; /* sizeof(sg_metadata_service). since 1.0 */
  void* self;           /* first argument of every function below */

  /* Creates a content record owned by `owner` ("0x" + 40 hex). `fields_json` is a JSON
   * object with any of: "id" (a UUID chosen by the caller, e.g. the upload id; generated when
   * absent), "title", "description", "tags", "visibility" (default "public"), "gate"
   * (required for token_gated), "status" (default "uploading"), "source", "renditions",
   * "poster", "media" (1.1). Unknown fields are SG_ERR_INVALID. On SG_OK *out_record receives the stored
   * record (caller releases) and event "content.created" {content_id, owner} is published.
   * SG_ERR_EXISTS when the given id is taken. since 1.0 */
  sg_status (*create_content)(void* self, const char* owner, size_t owner_size,
                              const char* fields_json, size_t fields_size, sg_owned_str* out_record,
                              sg_error* err);

  /* Reads a record; *out receives it (caller releases). SG_ERR_NOT_FOUND when absent,
   * SG_ERR_INVALID when `id` is not a UUID. since 1.0 */
  sg_status (*get)(void* self, const char* id, size_t id_size, sg_owned_str* out, sg_error* err);

  /* Sets the status ("uploading" | "processing" | "ready" | "failed"); `reason` (may be
   * NULL/empty) is stored as status_reason (meant for "failed"; cleared for other states).
   * Publishes "content.updated". since 1.0 */
  sg_status (*update_status)(void* self, const char* id, size_t id_size, const char* status,
                             size_t status_size, const char* reason, size_t reason_size,
                             sg_error* err);

  /* Applies a partial update: a JSON object with any of "title", "description", "tags",
   * "visibility", "gate", "status", "status_reason", "source", "renditions", "poster",
   * "media" (1.1) (a field set to null clears it where that makes sense: gate, source,
   * poster, media, status_reason). The result must still be valid (e.g. token_gated needs a gate).
   * On SG_OK *out_record (may be NULL) receives the updated record and "content.updated"
   * is published. since 1.0 */
  sg_status (*update_fields)(void* self, const char* id, size_t id_size, const char* patch_json,
                             size_t patch_size, sg_owned_str* out_record, sg_error* err);

  /* Deletes a record (media files are the owning plugins' business; they learn of it from
   * event "content.deleted" {content_id, owner}). SG_ERR_NOT_FOUND when absent. since 1.0 */
  sg_status (*delete_content)(void* self, const char* id, size_t id_size, sg_error* err);

  /* --- since 1.2. A 1.1 provider's table ends above: use change_stamp only when
   * struct_size >= offsetof(sg_metadata_service, change_stamp) + sizeof(void*). */

  /* A number that changes whenever THIS process commits a change to record `id` (create,
   * update, delete); it changes after the commit and before the change is answered or its
   * content.* event published. Non-blocking (an atomic load): callable from any thread,
   * network threads included. For caches that must not answer from a copy older than a change
   * already acknowledged: read the stamp BEFORE reading the record, keep it with the copy, and
   * trust the copy only while change_stamp(id) still returns it. Ids may share a stamp (a
   * change to one then only costs the other a re-read). Other processes' changes are not
   * seen here: their content.* events (a shared bus) cover those. since 1.2 */
  uint64_t (*change_stamp)(void* self, const char* id, size_t id_size);
} sg_metadata_service;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STREAMGATE_SERVICES_METADATA_H */
