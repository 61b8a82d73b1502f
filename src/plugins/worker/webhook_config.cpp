#include "webhook_config.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <random>

#include <streamgate/plugin.hpp>

#include "webhook_topics.hpp"

namespace sg::worker {
namespace {

const std::string kPrefix = "plugins.worker.webhooks.";

[[noreturn]] void bad(const std::string& key, const std::string& message) {
  throw Error(SG_ERR_INVALID, kPrefix + key + ": " + message);
}

void only_keys(const nlohmann::json& obj, const std::string& where,
               std::initializer_list<const char*> known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) bad(where + it.key(), "unknown key");
  }
}

int64_t int_key(const nlohmann::json& s, const char* key, int64_t def, int64_t lo, int64_t hi) {
  if (!s.contains(key)) return def;
  const auto& v = s.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    bad(key, "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v.get<int64_t>();
}

bool bool_key(const nlohmann::json& s, const char* key, bool def) {
  if (!s.contains(key)) return def;
  if (!s.at(key).is_boolean()) bad(key, "must be true or false");
  return s.at(key).get<bool>();
}

// A stable UUID-shaped id from the endpoint's URL and index (SHA-256, version nibble 8:
// "custom" UUID, RFC 9562), so deliveries keep pointing at it across restarts.
std::string derived_id(const std::string& url, size_t index) {
  std::string seed = "streamgate global webhook " + std::to_string(index) + " " + url;
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), d);
  d[6] = static_cast<unsigned char>((d[6] & 0x0f) | 0x80);
  d[8] = static_cast<unsigned char>((d[8] & 0x3f) | 0x80);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[d[i] >> 4];
    out += hex[d[i] & 0x0f];
  }
  return out;
}

GlobalEndpoint parse_endpoint(const nlohmann::json& e, size_t i) {
  std::string where = "endpoints[" + std::to_string(i) + "]";
  if (!e.is_object()) bad(where, "must be a mapping {url, topics, secret}");
  only_keys(e, where + ".", {"url", "topics", "secret", "description"});
  GlobalEndpoint g;
  if (!e.contains("url") || !e["url"].is_string()) bad(where + ".url", "must be a string");
  auto url = parse_webhook_url(e["url"].get<std::string>());
  if (!url) bad(where + ".url", url.error());
  g.url = url.value();
  auto topics = parse_topic_filter(e.contains("topics") ? e["topics"] : nlohmann::json());
  if (!topics) bad(where + ".topics", topics.error());
  g.topics = topics.value();
  if (e.contains("secret") && !e["secret"].is_string()) bad(where + ".secret", "must be a string");
  g.secret = e.value("secret", "");
  if (g.secret.size() < kMinWebhookSecretBytes)
    bad(where + ".secret",
        "missing or shorter than " + std::to_string(kMinWebhookSecretBytes) +
            " bytes; set it in the config file to a long random value, e.g. "
            "\"${STREAMGATE_WEBHOOK_SECRET}\" with `openssl rand -hex 32` in that variable");
  if (e.contains("description") && !e["description"].is_string())
    bad(where + ".description", "must be a string");
  g.description = e.value("description", "");
  if (g.description.size() > 500) bad(where + ".description", "at most 500 bytes");
  g.id = derived_id(g.url.text, i);
  return g;
}

}  // namespace

WebhooksConfig WebhooksConfig::from_json(const nlohmann::json& s) {
  WebhooksConfig c;
  if (s.is_null()) return c;
  if (!s.is_object()) throw Error(SG_ERR_INVALID, "plugins.worker.webhooks: must be a mapping");
  only_keys(s, "",
            {"enabled", "allow_private_targets", "timeout_ms", "max_attempts", "backoff_ms",
             "max_endpoints_per_owner", "log_keep_per_endpoint", "log_keep_days", "queue_limit",
             "ca_file", "endpoints"});
  c.enabled = bool_key(s, "enabled", true);
  c.allow_private_targets = bool_key(s, "allow_private_targets", false);
  c.timeout_ms = int_key(s, "timeout_ms", 10000, 100, 120000);
  c.max_attempts = int_key(s, "max_attempts", 8, 1, 100);
  c.max_endpoints_per_owner = int_key(s, "max_endpoints_per_owner", 20, 1, 1000);
  c.log_keep_per_endpoint = int_key(s, "log_keep_per_endpoint", 1000, 1, 1000000);
  c.log_keep_days = int_key(s, "log_keep_days", 30, 1, 3650);
  c.queue_limit = int_key(s, "queue_limit", 10000, 1, 1000000);
  if (s.contains("backoff_ms")) {
    const auto& b = s["backoff_ms"];
    if (!b.is_array() || b.empty() || b.size() > 32)
      bad("backoff_ms", "must be a list of 1..32 delays in milliseconds");
    c.backoff_ms.clear();
    for (const auto& v : b) {
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 86400000)
        bad("backoff_ms", "every delay must be an integer in [1, 86400000]");
      c.backoff_ms.push_back(v.get<int64_t>());
    }
  }
  if (s.contains("ca_file")) {
    if (!s["ca_file"].is_string()) bad("ca_file", "must be a path");
    c.ca_file = s["ca_file"].get<std::string>();
  }
  if (s.contains("endpoints")) {
    const auto& list = s["endpoints"];
    if (!list.is_array()) bad("endpoints", "must be a list of {url, topics, secret}");
    if (list.size() > 100) bad("endpoints", "at most 100 global endpoints");
    for (size_t i = 0; i < list.size(); ++i) c.endpoints.push_back(parse_endpoint(list[i], i));
  }
  return c;
}

int64_t WebhooksConfig::backoff_after(int64_t attempt) const {
  size_t i = static_cast<size_t>(std::clamp<int64_t>(attempt, 1, 1 << 20) - 1);
  int64_t d = backoff_ms[std::min(i, backoff_ms.size() - 1)];
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<int64_t> jitter(0, d / 10);
  return d - jitter(rng);
}

}  // namespace sg::worker
