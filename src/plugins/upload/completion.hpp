// What happens when the last byte of an upload is durable: whole-file SHA-256, probe with
// libavformat, then either content "failed" (not media) or content "processing" +
// event upload.completed + a durable "transcode" job. Blocking: call on the blocking pool.
//
// Idempotent and crash-safe: the upload record is marked completed/failed LAST, so a
// crash in between re-runs completion at the next start (the event may repeat; the job is
// deduplicated by its idempotency key).
#pragma once

#include <string>

#include "context.hpp"

namespace sg::upload {

struct CompletionResult {
  std::string state;  // "completed" | "failed" | "uploading" (not complete / partial)
  std::string failure;
  std::string sha256;
  nlohmann::json probe;
};

CompletionResult complete_upload(Context& ctx, const std::string& id);

// The content fields derived from tus metadata / form fields ("title", "description",
// "visibility", "tags", "gate" or gate_* keys). Failure 400 on malformed values.
Result<nlohmann::json> content_fields(const Metadata& meta);

// Creates the content record for a new upload (status "uploading"); no-op without the
// metadata service. Returns 400 for metadata the catalogue refuses.
Status create_content_record(Context& ctx, const UploadRecord& rec);
void delete_content_record(Context& ctx, const std::string& id);

// Metadata needs a wallet address; anonymous uploads (require_auth: false) are owned by
// the zero address in the catalogue.
std::string catalogue_owner(const std::string& owner);

}  // namespace sg::upload
