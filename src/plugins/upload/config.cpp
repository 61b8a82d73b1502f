#include "config.hpp"

#include <algorithm>
#include <iterator>
#include <string>

#include <streamgate/plugin.hpp>

#include "tus_headers.hpp"

namespace sg::upload {
namespace {

template <typename T>
T get_number(const nlohmann::json& j, const char* key, T fallback, T min_value) {
  if (!j.contains(key)) return fallback;
  const auto& v = j.at(key);
  if (!v.is_number_integer() && !v.is_number_unsigned())
    throw Error(SG_ERR_INVALID, std::string("plugins.upload.") + key + ": must be an integer");
  auto n = v.get<long long>();
  if (n < static_cast<long long>(min_value))
    throw Error(SG_ERR_INVALID,
                std::string("plugins.upload.") + key + ": must be >= " + std::to_string(min_value));
  return static_cast<T>(n);
}

}  // namespace

UploadConfig parse_config(const nlohmann::json& j) {
  UploadConfig c;
  if (!j.is_object()) throw Error(SG_ERR_INVALID, "plugins.upload: must be an object");
  static const char* kKnown[] = {"enabled",         "require_auth",       "max_size",
                                 "owner_quota",     "expiration_seconds", "sweep_interval_seconds",
                                 "commit_interval", "buffer_bytes",       "buffer_count",
                                 "max_writers",     "public_base_url",    "enqueue_transcode"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown))
      throw Error(SG_ERR_INVALID, "plugins.upload." + key + ": unknown key");
  }
  if (j.contains("require_auth")) {
    if (!j.at("require_auth").is_boolean())
      throw Error(SG_ERR_INVALID, "plugins.upload.require_auth: must be a boolean");
    c.require_auth = j.at("require_auth").get<bool>();
  }
  if (j.contains("enqueue_transcode")) {
    if (!j.at("enqueue_transcode").is_boolean())
      throw Error(SG_ERR_INVALID, "plugins.upload.enqueue_transcode: must be a boolean");
    c.enqueue_transcode = j.at("enqueue_transcode").get<bool>();
  }
  c.max_size = get_number<uint64_t>(j, "max_size", c.max_size, 1);
  c.owner_quota = get_number<uint64_t>(j, "owner_quota", c.owner_quota, 0);
  c.expiration_seconds = get_number<int64_t>(j, "expiration_seconds", c.expiration_seconds, 0);
  c.sweep_interval_seconds =
      get_number<int64_t>(j, "sweep_interval_seconds", c.sweep_interval_seconds, 1);
  c.commit_interval = get_number<uint64_t>(j, "commit_interval", c.commit_interval, 4096);
  c.buffer_bytes = get_number<size_t>(j, "buffer_bytes", c.buffer_bytes, 4096);
  c.buffer_count = get_number<size_t>(j, "buffer_count", c.buffer_count, 2);
  c.max_writers = get_number<size_t>(j, "max_writers", c.max_writers, 0);
  if (c.max_size > kMaxSizeValue) throw Error(SG_ERR_INVALID, "plugins.upload.max_size: too large");
  if (j.contains("public_base_url")) {
    if (!j.at("public_base_url").is_string())
      throw Error(SG_ERR_INVALID, "plugins.upload.public_base_url: must be a string");
    c.public_base = j.at("public_base_url").get<std::string>();
    while (!c.public_base.empty() && c.public_base.back() == '/') c.public_base.pop_back();
  }
  return c;
}

}  // namespace sg::upload
