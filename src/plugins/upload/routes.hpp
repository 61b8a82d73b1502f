// Route registration for the upload plugin.
#pragma once

#include <streamgate/services/http.hpp>

#include "context.hpp"

namespace sg::upload {

// tus 1.0.0 under /files/ (OPTIONS, POST, HEAD, PATCH, DELETE).
void register_tus_routes(Context& ctx, http::Router& router);
// POST /api/v1/uploads (raw or multipart) and GET /api/v1/uploads/{id}.
void register_simple_routes(Context& ctx, http::Router& router);

// Shared by both: the caller's identity when allowed to upload, else a Failure (401).
Result<std::string> uploader(const Context& ctx, const http::Exchange& ex);
// The upload named by path parameter {id} if the caller may act on it (404/403).
Result<UploadView> owned_upload(const Context& ctx, const http::Exchange& ex);
// Runs fn on the blocking pool; answers 503 when the pool refuses (shutting down).
void on_pool(Context& ctx, const http::Exchange& ex, bool tus, std::function<void()> fn);
// Creation checks shared by tus and simple uploads: size limit and owner quota (413).
// `counted` bytes of `length` are already in the owner's usage (a deferred upload's offset).
Status check_limits(const Context& ctx, const std::string& owner, std::optional<uint64_t> length,
                    uint64_t counted = 0);

}  // namespace sg::upload
