#include "http_method.hpp"

#include <utility>

#include <streamgate/services/http.h>

namespace sg::gateway {

std::uint32_t method_bit(boost::beast::http::verb v) {
  using boost::beast::http::verb;
  switch (v) {
    case verb::get:
      return SG_HTTP_GET;
    case verb::head:
      return SG_HTTP_HEAD;
    case verb::post:
      return SG_HTTP_POST;
    case verb::put:
      return SG_HTTP_PUT;
    case verb::patch:
      return SG_HTTP_PATCH;
    case verb::delete_:
      return SG_HTTP_DELETE;
    case verb::options:
      return SG_HTTP_OPTIONS;
    default:
      return 0;
  }
}

std::string allow_header(std::uint32_t mask, bool cors) {
  static constexpr std::pair<std::uint32_t, const char*> kNames[] = {
      {SG_HTTP_GET, "GET"},        {SG_HTTP_HEAD, "HEAD"},   {SG_HTTP_POST, "POST"},
      {SG_HTTP_PUT, "PUT"},        {SG_HTTP_PATCH, "PATCH"}, {SG_HTTP_DELETE, "DELETE"},
      {SG_HTTP_OPTIONS, "OPTIONS"}};
  if (cors) mask |= SG_HTTP_OPTIONS;
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((mask & bit) == 0) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace sg::gateway
