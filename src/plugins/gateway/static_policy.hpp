// The response headers of the static folder's answers, by configuration: Cache-Control from
// the first cache rule whose path prefix matches (else the folder's default), the
// Content-Security-Policy on HTML, and `X-Content-Type-Options: nosniff` on everything (the
// MIME type comes from the extension; a browser must not guess another one).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config.hpp"

namespace sg::gateway {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// `url_path` is the decoded request path ("/assets/app-1234.js"), `content_type` the type
// the answer will carry.
HeaderList static_response_headers(const StaticConfig& cfg, std::string_view url_path,
                                   std::string_view content_type);

// The Cache-Control value for `url_path` ("" = none).
const std::string& static_cache_control(const StaticConfig& cfg, std::string_view url_path);

}  // namespace sg::gateway
