// GET /api/v1/admin/routes: every route the plugins registered (pattern and methods), for
// administrators. It lets operators see what a drop-in plugin added and lets the API
// description be checked against what the server really serves.
#pragma once

#include <cstdint>

#include "router.hpp"

namespace sg::gateway {

class RouteList {
 public:
  explicit RouteList(RouteTable& routes) : routes_(routes) {}
  void install();
  void uninstall();

 private:
  static sg_http_handler_result handle(void* user, sg_http_exchange* ex);
  RouteTable& routes_;
  std::uint64_t id_ = 0;
};

}  // namespace sg::gateway
