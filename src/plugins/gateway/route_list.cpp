#include "route_list.hpp"

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>
#include <streamgate/plugin.hpp>

#include "exchange.hpp"

namespace sg::gateway {
namespace {

constexpr std::string_view kPattern = "/api/v1/admin/routes";

nlohmann::json method_names(std::uint32_t mask) {
  static constexpr std::pair<std::uint32_t, const char*> kNames[] = {
      {SG_HTTP_GET, "GET"},        {SG_HTTP_HEAD, "HEAD"},   {SG_HTTP_POST, "POST"},
      {SG_HTTP_PUT, "PUT"},        {SG_HTTP_PATCH, "PATCH"}, {SG_HTTP_DELETE, "DELETE"},
      {SG_HTTP_OPTIONS, "OPTIONS"}};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [bit, name] : kNames)
    if ((mask & bit) != 0) out.push_back(name);
  return out;
}

}  // namespace

void RouteList::install() {
  sg_http_route r{};
  r.struct_size = sizeof r;
  r.methods = SG_HTTP_GET;
  r.pattern = kPattern.data();
  r.pattern_size = kPattern.size();
  r.body_mode = SG_HTTP_BODY_NONE;
  r.handler = &RouteList::handle;
  r.user = this;
  std::string why;
  if (sg_status st = routes_.add(r, &id_, why); st != SG_OK)
    throw sg::Error(st, std::string(kPattern) + ": " + why);
}

void RouteList::uninstall() {
  if (id_ != 0) routes_.remove(id_);
  id_ = 0;
}

sg_http_handler_result RouteList::handle(void* user, sg_http_exchange* raw) {
  auto& self = *static_cast<RouteList*>(user);
  auto& ex = *reinterpret_cast<Exchange*>(raw);
  if (ex.identity.authenticated == 0 || ex.identity.is_admin == 0) {
    ex.respond_error(403, "forbidden", "the route list is for administrators");
    return SG_HTTP_ANSWERED;
  }
  try {
    auto snapshot = self.routes_.snapshot();
    std::vector<std::pair<std::string, std::uint32_t>> routes;
    for (const auto& r : *snapshot)
      if (!r->removed.load(std::memory_order_acquire)) routes.emplace_back(r->pattern, r->methods);
    std::sort(routes.begin(), routes.end());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [pattern, methods] : routes)
      list.push_back({{"pattern", pattern}, {"methods", method_names(methods)}});
    const std::string body = list.dump();
    const sg_http_header headers[] = {{"Content-Type", 12, "application/json", 16},
                                      {"Cache-Control", 13, "no-store", 8}};
    ex.respond(200, headers, 2, body, nullptr);
  } catch (...) {
    ex.respond_error(500, "internal_error", "out of memory");
  }
  return SG_HTTP_ANSWERED;
}

}  // namespace sg::gateway
