#include "response_head.hpp"

#include "http_date.hpp"

namespace sg::gateway {

std::uint64_t finish_response_head(const Cors& cors, Exchange& ex, bool keep_alive) {
  auto& res = ex.response;
  const auto& req = ex.parser.get();
  res.version(req.version() == 10 ? 10 : 11);
  res.set(http::field::server, "StreamGate");
  res.set(http::field::date, current_http_date());
  res.set("X-Request-Id", std::string_view(ex.request_id, ex.request_id_len));
  if (cors.enabled()) {
    std::string_view allowed = cors.allow_origin(ex.header("origin"));
    if (!allowed.empty()) {
      res.set(http::field::access_control_allow_origin, allowed);
      res.set(http::field::vary, "Origin");
      if (cors.config().allow_credentials)
        res.set(http::field::access_control_allow_credentials, "true");
      if (!cors.config().expose_headers.empty())
        res.set(http::field::access_control_expose_headers, cors.config().expose_headers);
    }
  }
  res.keep_alive(keep_alive);

  const unsigned status = res.result_int();
  const bool head = ex.method == SG_HTTP_HEAD;
  const bool no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
  if (ex.file) {
    res.content_length(ex.plan.count);
    return head ? 0 : ex.plan.count;
  }
  if (no_body) {
    res.body().clear();
    res.erase(http::field::content_length);
    return 0;
  }
  res.content_length(res.body().size());
  return head ? 0 : res.body().size();
}

void serialize_header(const Response& res, std::string& out) {
  out.clear();
  out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  char code[4] = {static_cast<char>('0' + res.result_int() / 100 % 10),
                  static_cast<char>('0' + res.result_int() / 10 % 10),
                  static_cast<char>('0' + res.result_int() % 10), ' '};
  out.append(code, 4);
  std::string_view reason = res.reason();
  out.append(reason.empty() ? std::string_view("Unknown") : reason);
  out += "\r\n";
  for (const auto& f : res) {
    out.append(f.name_string());
    out += ": ";
    out.append(f.value());
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace sg::gateway
