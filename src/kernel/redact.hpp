// Hides secrets before configuration is logged.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace sgk {

// Returns a copy where values of keys matching secret|password|passwd|token|key|private|
// credential (case-insensitive) become "***" and credentials inside URLs
// (scheme://user:pass@host) become "***".
nlohmann::json redact(const nlohmann::json& value);

// Replaces the userinfo part of a URL with "***"; returns the text unchanged otherwise.
std::string redact_url(const std::string& text);

}  // namespace sgk
