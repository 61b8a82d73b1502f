// Serving a folder (plugins.gateway.static): index files for directories, MIME by
// extension, and no way out of the root (no "..", no symlink escaping it). Files go out
// through the same respond_file path as every plugin's (Range, 304, sendfile).
#pragma once

#include <cstdint>
#include <string>

#include <streamgate/services/http.h>

#include "config.hpp"
#include "file_response.hpp"
#include "router.hpp"

namespace sg::gateway {

class StaticFiles {
 public:
  // Throws sg::Error when `cfg.dir` does not exist or is not a directory.
  explicit StaticFiles(const StaticConfig& cfg);
  // Registers the catch-all route under the mount point.
  void install(RouteTable& routes);
  void uninstall(RouteTable& routes);

  StaticFiles(const StaticFiles&) = delete;
  StaticFiles& operator=(const StaticFiles&) = delete;
  ~StaticFiles();

  enum class Outcome { kFile, kRedirect, kNotFound };
  // Opens a decoded relative path under the root. kRedirect when a directory was asked for
  // without its trailing slash. `type_path` receives the name to guess the MIME type from.
  Outcome open(const std::string& relative, OpenFile& out, std::string& type_path) const;

 private:
  static sg_http_handler_result handle(void* user, sg_http_exchange* ex);
  // The portable path: realpath() and a prefix check (used where openat2 is unavailable
  // and for absolute symlinks, which RESOLVE_BENEATH refuses even when they stay inside).
  Outcome open_checked(const std::string& rel, bool wants_dir_slash, OpenFile& out,
                       std::string& type_path) const;

  StaticConfig cfg_;
  std::string root_;  // canonical, no trailing slash
  int root_fd_ = -1;  // O_PATH handle for openat2(RESOLVE_BENEATH)
  std::uint64_t route_id_ = 0;
};

}  // namespace sg::gateway
