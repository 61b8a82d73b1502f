#include "request_head.hpp"

#include <cstring>

#include "http_method.hpp"
#include "request_id.hpp"

namespace sg::gateway {

std::optional<GatewayError> read_request_head(Exchange& ex) {
  const auto& req = ex.parser.get();
  ex.method = method_bit(req.method());
  ex.method_name = req.method_string();
  ex.target = req.target();
  if (auto cl = ex.parser.content_length()) ex.content_length = static_cast<std::int64_t>(*cl);

  std::string_view incoming = ex.header("x-request-id");
  if (request_id_valid(incoming)) {
    std::memcpy(ex.request_id, incoming.data(), incoming.size());
    ex.request_id_len = incoming.size();
  } else {
    ex.request_id_len = generate_request_id(ex.request_id);
  }
  ex.request_id[ex.request_id_len] = '\0';

  const bool body = has_body(ex);
  if (ex.method == 0)
    return GatewayError{501, "method_not_implemented", "HTTP method not supported", body};
  if (ex.target.empty() || ex.target.front() != '/')
    return GatewayError{400, "bad_request", "request target must be an absolute path", true};
  std::size_t q = ex.target.find('?');
  ex.raw_path = ex.target.substr(0, q);
  if (q != std::string_view::npos) ex.query = ex.target.substr(q + 1);
  if (std::size_t hash = ex.raw_path.find('#'); hash != std::string_view::npos)
    ex.raw_path = ex.raw_path.substr(0, hash);
  if (!percent_decode(ex.raw_path, ex.path))
    return GatewayError{400, "bad_request", "malformed percent-encoding in path", body};
  return std::nullopt;
}

}  // namespace sg::gateway
