#include "config.hpp"

#include <charconv>
#include <cmath>
#include <set>

#include <streamgate/plugin.hpp>

namespace sg::streaming {
namespace {

constexpr const char* kPrefix = "plugins.streaming.";

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw Error(SG_ERR_INVALID, kPrefix + key + ": " + why);
}

int64_t integer(const nlohmann::json& j, const std::string& key, int64_t lo, int64_t hi) {
  if (!j.is_number_integer()) bad(key, "must be an integer");
  auto v = j.get<int64_t>();
  if (v < lo || v > hi)
    bad(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return v;
}

std::string string(const nlohmann::json& j, const std::string& key) {
  if (!j.is_string()) bad(key, "must be a string");
  return j.get<std::string>();
}

}  // namespace

StreamingConfig parse_config(const nlohmann::json& s) {
  StreamingConfig c;
  c.chain_names = {{1, "Ethereum"},           {10, "OP Mainnet"},    {56, "BNB Smart Chain"},
                   {137, "Polygon"},          {8453, "Base"},        {42161, "Arbitrum One"},
                   {43114, "Avalanche"},      {11155111, "Sepolia"}, {1337, "Local (ganache)"},
                   {31337, "Local (hardhat)"}};
  if (s.is_null()) return c;
  if (!s.is_object()) throw Error(SG_ERR_INVALID, "plugins.streaming: must be a mapping");
  static const std::set<std::string> known{"manifest_max_age_seconds",
                                           "token_ttl_seconds",
                                           "token_slack_seconds",
                                           "private_segment_max_age_seconds",
                                           "content_cache",
                                           "max_manifest_bytes",
                                           "chain_names",
                                           "analytics",
                                           "watch_page",
                                           "public_base_url",
                                           "content_security_policy"};
  for (const auto& [key, value] : s.items())
    if (!known.contains(key)) bad(key, "unknown key");
  if (s.contains("manifest_max_age_seconds"))
    c.manifest_max_age_seconds =
        static_cast<int>(integer(s["manifest_max_age_seconds"], "manifest_max_age_seconds", 0, 60));
  if (s.contains("token_ttl_seconds"))
    c.token_ttl_seconds =
        static_cast<uint64_t>(integer(s["token_ttl_seconds"], "token_ttl_seconds", 0, 86400));
  if (s.contains("token_slack_seconds"))
    c.token_slack_seconds =
        static_cast<uint64_t>(integer(s["token_slack_seconds"], "token_slack_seconds", 0, 86400));
  if (s.contains("private_segment_max_age_seconds"))
    c.private_segment_max_age_seconds = static_cast<int>(
        integer(s["private_segment_max_age_seconds"], "private_segment_max_age_seconds", 0, 86400));
  if (s.contains("max_manifest_bytes"))
    c.max_manifest_bytes =
        static_cast<size_t>(integer(s["max_manifest_bytes"], "max_manifest_bytes", 4096, 64 << 20));
  if (s.contains("chain_names")) {
    const auto& names = s["chain_names"];
    if (!names.is_object()) bad("chain_names", "must be a mapping of chain id to name");
    for (const auto& [key, value] : names.items()) {
      uint64_t id = 0;
      auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
      if (ec != std::errc() || end != key.data() + key.size() || id == 0)
        bad("chain_names." + key, "must be keyed by a chain id (a positive integer)");
      if (!value.is_string() || value.get<std::string>().empty())
        bad("chain_names." + key, "must be a non-empty string");
      c.chain_names[id] = value.get<std::string>();
    }
  }
  if (s.contains("analytics")) {
    const auto& a = s["analytics"];
    if (!a.is_object()) bad("analytics", "must be a mapping");
    for (const auto& [key, value] : a.items())
      if (key != "enabled" && key != "flush_seconds") bad("analytics." + key, "unknown key");
    if (a.contains("enabled")) {
      if (!a["enabled"].is_boolean()) bad("analytics.enabled", "must be true or false");
      c.analytics_enabled = a["enabled"].get<bool>();
    }
    if (a.contains("flush_seconds"))
      c.analytics_flush_interval =
          std::chrono::seconds(integer(a["flush_seconds"], "analytics.flush_seconds", 1, 3600));
  }
  if (s.contains("watch_page")) c.watch_page = string(s["watch_page"], "watch_page");
  if (s.contains("public_base_url")) {
    std::string base = string(s["public_base_url"], "public_base_url");
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (!base.empty() && base.rfind("https://", 0) != 0 && base.rfind("http://", 0) != 0)
      bad("public_base_url", "must start with https:// or http://");
    for (char ch : base)
      if (static_cast<unsigned char>(ch) <= 0x20 || ch == '"' || ch == '<' || ch == '>' ||
          ch == '\\' || ch == '`' || ch == '\'' || ch == '?' || ch == '#')
        bad("public_base_url", "must be a plain URL without spaces, quotes, query or fragment");
    c.public_base_url = base;
  }
  if (s.contains("content_security_policy")) {
    c.content_security_policy = string(s["content_security_policy"], "content_security_policy");
    for (char ch : c.content_security_policy)
      if (ch == '\r' || ch == '\n' || ch == '\0')
        bad("content_security_policy", "must be one line");
  }
  if (s.contains("content_cache")) {
    const auto& cc = s["content_cache"];
    if (!cc.is_object()) bad("content_cache", "must be a mapping");
    for (const auto& [key, value] : cc.items())
      if (key != "ttl_ms" && key != "max_entries") bad("content_cache." + key, "unknown key");
    if (cc.contains("ttl_ms"))
      c.content_cache_ttl =
          std::chrono::milliseconds(integer(cc["ttl_ms"], "content_cache.ttl_ms", 0, 600000));
    if (cc.contains("max_entries"))
      c.content_cache_max_entries = static_cast<size_t>(
          integer(cc["max_entries"], "content_cache.max_entries", 1, 10'000'000));
  }
  return c;
}

uint64_t token_ttl_for(const StreamingConfig& c, double duration_seconds) {
  if (c.token_ttl_seconds > 0) return c.token_ttl_seconds;
  double d = std::isfinite(duration_seconds) && duration_seconds > 0 ? duration_seconds : 0;
  auto ttl = static_cast<uint64_t>(std::ceil(d)) + c.token_slack_seconds;
  return ttl < 300 ? 300 : ttl;
}

}  // namespace sg::streaming
