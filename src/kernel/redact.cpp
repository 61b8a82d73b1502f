#include "redact.hpp"

#include <regex>

namespace sgk {

namespace {

bool secret_key(const std::string& key) {
  static const std::regex re("secret|password|passwd|token|key|private|credential",
                             std::regex::icase);
  return std::regex_search(key, re);
}

}  // namespace

std::string redact_url(const std::string& text) {
  auto scheme = text.find("://");
  if (scheme == std::string::npos) return text;
  auto start = scheme + 3;
  auto end = text.find_first_of("/?#", start);
  auto at = text.rfind('@', end == std::string::npos ? text.npos : end);
  if (at == std::string::npos || at < start) return text;
  return text.substr(0, start) + "***" + text.substr(at);
}

nlohmann::json redact(const nlohmann::json& value) {
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : value.items()) {
      bool empty = v.is_null() || (v.is_string() && v.get<std::string>().empty());
      out[k] = (secret_key(k) && !empty && !v.is_object()) ? nlohmann::json("***") : redact(v);
    }
    return out;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : value) out.push_back(redact(v));
    return out;
  }
  if (value.is_string()) return redact_url(value.get<std::string>());
  return value;
}

}  // namespace sgk
