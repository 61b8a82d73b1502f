#include "cors.hpp"

namespace sg::gateway {

Cors::Cors(const CorsConfig& cfg) : cfg_(cfg), max_age_(std::to_string(cfg.max_age)) {
  for (const auto& o : cfg_.allowed_origins)
    if (o == "*") any_ = true;
}

std::string_view Cors::allow_origin(std::string_view origin) const {
  if (!cfg_.enabled || origin.empty()) return {};
  // "*" never comes with credentials: the config refuses that combination.
  if (any_) return std::string_view("*");
  for (const auto& o : cfg_.allowed_origins)
    if (o == origin) return origin;
  return {};
}

}  // namespace sg::gateway
