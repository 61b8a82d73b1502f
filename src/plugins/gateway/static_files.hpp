// Serving a folder (plugins.gateway.static): index files for directories, MIME by
// extension, and no way out of the root (no "..", no symlink escaping it). Files go out
// through the same respond_file path as every plugin's (Range, 304, sendfile).
#pragma once

#include <cstdint>
#include <string>

#include <streamgate/services/http.h>

#include "config.hpp"
#include "router.hpp"

namespace sg::gateway {

class StaticFiles {
 public:
  // Throws sg::Error when `cfg.dir` does not exist or is not a directory.
  explicit StaticFiles(const StaticConfig& cfg);
  // Registers the catch-all route under the mount point.
  void install(RouteTable& routes);
  void uninstall(RouteTable& routes);

  // Resolves a decoded relative path under the root. Returns false when it must not be
  // served; sets `redirect` when a directory was asked for without its trailing slash.
  bool resolve(const std::string& relative, std::string& file, bool& redirect) const;

 private:
  static sg_http_handler_result handle(void* user, sg_http_exchange* ex);

  StaticConfig cfg_;
  std::string root_;  // canonical, no trailing slash
  std::uint64_t route_id_ = 0;
};

}  // namespace sg::gateway
