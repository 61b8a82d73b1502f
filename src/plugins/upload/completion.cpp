#include "completion.hpp"

#include <cctype>

#include "probe.hpp"
#include "utf8.hpp"

namespace sg::upload {
namespace {

using nlohmann::json;

constexpr size_t kMaxTitleChars = 200;  // metadata's limit on content titles

void metadata_update(Context& ctx, const std::string& id, const json& patch) {
  if (!ctx.metadata) return;
  try {
    ctx.metadata.update_fields(id, patch);
  } catch (const Error& e) {
    ctx.host.error("upload " + id + ": " + e.what());
  }
}

bool is_address(std::string_view s) {
  if (s.size() != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  for (size_t i = 2; i < s.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

}  // namespace

std::string catalogue_owner(const std::string& owner) {
  return owner.empty() ? std::string("0x0000000000000000000000000000000000000000") : owner;
}

Result<json> content_fields(const Metadata& meta) {
  json f = json::object();
  auto get = [&](const char* k) -> const std::string* {
    auto it = meta.find(k);
    return it == meta.end() ? nullptr : &it->second;
  };
  // A file name standing in for the title is cut to the catalogue's limit (200 characters),
  // at a character boundary: half a character would be ill-formed UTF-8.
  if (auto* t = get("title"); t && !t->empty())
    f["title"] = *t;
  else if (auto* n = get("filename"); n && !n->empty())
    f["title"] = std::string(utf8_prefix(*n, kMaxTitleChars));
  else if (auto* n2 = get("name"); n2 && !n2->empty())
    f["title"] = std::string(utf8_prefix(*n2, kMaxTitleChars));
  if (auto* d = get("description")) f["description"] = *d;
  if (auto* v = get("visibility"); v && !v->empty()) f["visibility"] = *v;
  if (auto* tags = get("tags"); tags && !tags->empty()) {
    json arr = json::array();
    size_t pos = 0;
    while (pos <= tags->size()) {
      size_t comma = tags->find(',', pos);
      std::string tag(trim(std::string_view(*tags).substr(
          pos, comma == std::string::npos ? std::string::npos : comma - pos)));
      if (!tag.empty()) arr.push_back(tag);
      pos = comma == std::string::npos ? tags->size() + 1 : comma + 1;
    }
    f["tags"] = arr;
  }
  if (auto* g = get("gate"); g && !g->empty()) {
    json gate = json::parse(*g, nullptr, false);
    if (gate.is_discarded() || !gate.is_object())
      return fail(400, "invalid_metadata", "gate: must be a JSON object");
    f["gate"] = gate;
  } else if (get("gate_contract") != nullptr) {
    json gate = json::object();
    gate["contract"] = *get("gate_contract");
    gate["standard"] =
        get("gate_standard") != nullptr ? *get("gate_standard") : std::string("erc721");
    try {
      if (auto* c = get("gate_chain_id")) gate["chain_id"] = std::stoll(*c);
      if (auto* m = get("gate_min_balance"))
        gate["min_balance"] = std::stoll(*m);
      else
        gate["min_balance"] = 1;
    } catch (const std::exception&) {
      return fail(400, "invalid_metadata", "gate_chain_id / gate_min_balance: must be integers");
    }
    if (auto* t = get("gate_token_id"); t && !t->empty())
      gate["token_id"] = *t;
    else
      gate["token_id"] = nullptr;
    f["gate"] = gate;
  }
  return f;
}

Status create_content_record(Context& ctx, const UploadRecord& rec) {
  if (!ctx.metadata) return ok_status();
  auto fields = content_fields(rec.metadata);
  if (!fields) return fields.error();
  json f = fields.value();
  f["id"] = rec.id;
  f["status"] = "uploading";
  if (!f.contains("title")) f["title"] = "Untitled upload";
  try {
    (void)ctx.metadata.create(catalogue_owner(rec.owner), f);
  } catch (const Error& e) {
    if (e.status() == SG_ERR_INVALID)
      return fail(400, "invalid_metadata", std::string("Upload-Metadata: ") + e.what());
    if (e.status() == SG_ERR_UNAVAILABLE)
      return fail(503, "metadata_unavailable", "the content catalogue is unavailable");
    return fail(500, "metadata_error", e.what());
  }
  return ok_status();
}

void delete_content_record(Context& ctx, const std::string& id) {
  if (!ctx.metadata) return;
  try {
    ctx.metadata.remove(id);
  } catch (const Error& e) {
    if (e.status() != SG_ERR_NOT_FOUND) ctx.host.warn("upload " + id + ": " + e.what());
  }
}

CompletionResult complete_upload(Context& ctx, const std::string& id) {
  CompletionResult res;
  auto view = ctx.store->get(id);
  if (!view) {
    res.state = "uploading";
    return res;
  }
  UploadRecord rec = view->record;
  if (rec.state != "uploading") {
    res = CompletionResult{rec.state, rec.failure, rec.sha256, rec.probe};
    return res;
  }
  if (!view->complete() || rec.concat == ConcatKind::partial) {
    res.state = "uploading";
    return res;
  }
  auto sha = ctx.store->sha256_of(id);
  if (!sha) {
    ctx.host.error("upload " + id + ": cannot hash: " + sha.error().what());
    res.state = "uploading";
    return res;
  }
  uint64_t size = *rec.length;
  auto path = ctx.store->data_path(id);
  auto probe = size == 0 ? Result<json>(fail(422, "not_media", "the uploaded file is empty"))
                         : probe_media(path);
  rec.sha256 = sha.value();
  if (!probe) {
    rec.state = "failed";
    rec.failure = probe.error().what();
    if (rec.has_content && ctx.metadata) {
      try {
        ctx.metadata.update_status(id, "failed", rec.failure);
      } catch (const Error& e) {
        ctx.host.error("upload " + id + ": " + e.what());
      }
    }
    try {
      ctx.host.publish("upload.failed",
                       json{{"content_id", id}, {"owner", rec.owner}, {"reason", rec.failure}});
    } catch (const std::exception& e) {
      ctx.host.warn(std::string("publish upload.failed: ") + e.what());
    }
    ctx.uploads_failed.add();
    ctx.host.info("upload " + id + " rejected: " + rec.failure);
  } else {
    json info = probe.value();
    info["size"] = size;
    rec.state = "completed";
    rec.probe = info;
    json source{{"size", size},
                {"container", info["container"]},
                {"codecs", info["codecs"]},
                {"duration", info["duration"]},
                {"width", info["width"]},
                {"height", info["height"]}};
    if (rec.has_content)
      metadata_update(ctx, id, json{{"status", "processing"}, {"source", source}});
    try {
      ctx.host.publish("upload.completed", json{{"content_id", id},
                                                {"path", ctx.store->data_path_in_data_dir(id)},
                                                {"size", size},
                                                {"sha256", rec.sha256},
                                                {"owner", rec.owner},
                                                {"probe", info}});
    } catch (const std::exception& e) {
      ctx.host.error(std::string("publish upload.completed: ") + e.what());
    }
    if (ctx.jobs && ctx.config.enqueue_transcode) {
      json payload{{"content_id", id},
                   {"path", ctx.store->data_path_in_data_dir(id)},
                   {"sha256", rec.sha256},
                   {"size", size}};
      jobs::EnqueueOptions opts;
      opts.idempotency_key = "upload:" + id;
      if (is_address(rec.owner)) opts.owner = rec.owner;
      try {
        rec.probe["transcode_job"] = ctx.jobs.enqueue("transcode", payload, opts);
      } catch (const Error& e) {
        // Leave the record "uploading" so that the next start retries the whole completion.
        ctx.host.error("upload " + id + ": " + e.what());
        res.state = "uploading";
        return res;
      }
    }
    ctx.uploads_completed.add();
    ctx.host.info("upload " + id + " completed (" + std::to_string(size) + " bytes, sha256 " +
                  rec.sha256 + ")");
  }
  if (auto st = ctx.store->update_record(rec); !st)
    ctx.host.error("upload " + id + ": cannot persist completion: " + st.error().what());
  res = CompletionResult{rec.state, rec.failure, rec.sha256, rec.probe};
  return res;
}

}  // namespace sg::upload
