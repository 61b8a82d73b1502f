// CORS: which origins may call, and the headers of preflight and simple responses.
#pragma once

#include <string>
#include <string_view>

#include "config.hpp"

namespace sg::gateway {

class Cors {
 public:
  explicit Cors(const CorsConfig& cfg);
  bool enabled() const { return cfg_.enabled; }
  // The Access-Control-Allow-Origin value for `origin`, or empty when not allowed.
  std::string_view allow_origin(std::string_view origin) const;
  const CorsConfig& config() const { return cfg_; }
  const std::string& max_age() const { return max_age_; }

 private:
  CorsConfig cfg_;
  bool any_ = false;
  std::string max_age_;
};

}  // namespace sg::gateway
