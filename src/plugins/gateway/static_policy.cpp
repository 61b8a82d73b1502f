#include "static_policy.hpp"

namespace sg::gateway {

const std::string& static_cache_control(const StaticConfig& cfg, std::string_view url_path) {
  for (const auto& rule : cfg.cache_rules) {
    if (url_path.substr(0, rule.path_prefix.size()) == rule.path_prefix) return rule.cache_control;
  }
  return cfg.cache_control;
}

HeaderList static_response_headers(const StaticConfig& cfg, std::string_view url_path,
                                   std::string_view content_type) {
  HeaderList out;
  out.emplace_back("X-Content-Type-Options", "nosniff");
  if (const std::string& cc = static_cache_control(cfg, url_path); !cc.empty())
    out.emplace_back("Cache-Control", cc);
  if (!cfg.content_security_policy.empty() && content_type.substr(0, 9) == "text/html")
    out.emplace_back("Content-Security-Policy", cfg.content_security_policy);
  return out;
}

}  // namespace sg::gateway
