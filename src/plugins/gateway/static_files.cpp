#include "static_files.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <vector>

#include <streamgate/plugin.hpp>

#include "exchange.hpp"
#include "mime.hpp"
#include "static_policy.hpp"

namespace sg::gateway {
namespace {

bool canonical(const std::string& path, std::string& out) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return false;
  out = buf;
  return true;
}

bool inside(const std::string& root, const std::string& path) {
  if (path == root) return true;
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
         (root == "/" || path[root.size()] == '/');
}

// The kernel resolves the path and refuses anything escaping `dirfd` (".." above it,
// absolute or escaping symlinks, magic links) in one call.
int open_beneath(int dirfd, const std::string& rel) {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, rel.c_str(), &how, sizeof how));
}

bool is_dir(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

StaticFiles::StaticFiles(const StaticConfig& cfg) : cfg_(cfg) {
  struct stat st {};
  if (!canonical(cfg.dir, root_) || ::stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw sg::Error(SG_ERR_INVALID,
                    "plugins.gateway.static.dir '" + cfg.dir + "' is not a directory");
  root_fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd_ < 0)
    throw sg::Error(SG_ERR_INVALID,
                    "plugins.gateway.static.dir '" + cfg.dir + "' cannot be opened");
}

StaticFiles::~StaticFiles() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

void StaticFiles::install(RouteTable& routes) {
  std::string pattern = cfg_.mount;
  if (pattern.back() != '/') pattern += '/';
  pattern += "{path*}";
  sg_http_route r{};
  r.struct_size = sizeof r;
  r.methods = SG_HTTP_GET | SG_HTTP_HEAD;
  r.pattern = pattern.c_str();
  r.pattern_size = pattern.size();
  r.body_mode = SG_HTTP_BODY_NONE;
  r.handler = &StaticFiles::handle;
  r.user = this;
  std::string why;
  if (sg_status st = routes.add(r, &route_id_, why); st != SG_OK)
    throw sg::Error(st, "static route " + pattern + ": " + why);
}

void StaticFiles::uninstall(RouteTable& routes) {
  if (route_id_ != 0) routes.remove(route_id_);
  route_id_ = 0;
}

StaticFiles::Outcome StaticFiles::open(const std::string& relative, OpenFile& out,
                                       std::string& type_path) const {
  // Normalise: drop empty and "." segments; refuse ".." outright (never climb, even when
  // it would stay inside) and backslashes (never meaningful in a URL path here).
  std::string rel;
  std::size_t pos = 0;
  while (pos <= relative.size()) {
    std::size_t slash = relative.find('/', pos);
    std::string_view seg = std::string_view(relative).substr(
        pos, slash == std::string::npos ? std::string::npos : slash - pos);
    if (seg == ".." || seg.find('\\') != std::string_view::npos) return Outcome::kNotFound;
    if (!seg.empty() && seg != ".") {
      if (!rel.empty()) rel += '/';
      rel += seg;
    }
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  const bool wants_dir_slash = !relative.empty() && relative.back() != '/';

  int fd = open_beneath(root_fd_, rel.empty() ? std::string(".") : rel);
  if (fd < 0) {
    if (errno == ENOSYS || errno == EPERM || errno == EXDEV || errno == ELOOP)
      return open_checked(rel, wants_dir_slash, out, type_path);
    return Outcome::kNotFound;
  }
  type_path = rel;
  if (is_dir(fd)) {
    if (wants_dir_slash) {
      ::close(fd);
      return Outcome::kRedirect;
    }
    int index = open_beneath(fd, cfg_.index);
    ::close(fd);
    if (index < 0) return Outcome::kNotFound;
    fd = index;
    type_path = cfg_.index;
  }
  std::string why;
  return adopt_file(fd, 0, UINT64_MAX, out, why) == SG_OK ? Outcome::kFile : Outcome::kNotFound;
}

StaticFiles::Outcome StaticFiles::open_checked(const std::string& rel, bool wants_dir_slash,
                                               OpenFile& out, std::string& type_path) const {
  std::string real;
  if (!canonical(rel.empty() ? root_ : root_ + "/" + rel, real) || !inside(root_, real))
    return Outcome::kNotFound;  // includes symlinks escaping the root
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0) return Outcome::kNotFound;
  if (S_ISDIR(st.st_mode)) {
    if (wants_dir_slash) return Outcome::kRedirect;
    std::string index;
    if (!canonical(real + "/" + cfg_.index, index) || !inside(root_, index))
      return Outcome::kNotFound;
    real = std::move(index);
  }
  int fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Outcome::kNotFound;
  type_path = real;
  std::string why;
  return adopt_file(fd, 0, UINT64_MAX, out, why) == SG_OK ? Outcome::kFile : Outcome::kNotFound;
}

sg_http_handler_result StaticFiles::handle(void* user, sg_http_exchange* raw) {
  auto* self = static_cast<StaticFiles*>(user);
  auto* ex = reinterpret_cast<Exchange*>(raw);
  std::string relative;
  for (const auto& p : ex->params)
    if (*p.name == "path") relative = p.value;
  OpenFile file;
  std::string type_path;
  switch (self->open(relative, file, type_path)) {
    case Outcome::kNotFound:
      ex->respond_error(404, "not_found", "no such file");
      return SG_HTTP_ANSWERED;
    case Outcome::kRedirect: {
      std::string location(ex->raw_path);
      location += '/';
      if (!ex->query.empty()) {
        location += '?';
        location += ex->query;
      }
      sg_http_header h{"Location", 8, location.data(), location.size()};
      ex->respond(301, &h, 1, {}, nullptr);
      return SG_HTTP_ANSWERED;
    }
    case Outcome::kFile:
      break;
  }
  const std::string_view type = mime_for_path(type_path);
  const HeaderList extra = static_response_headers(self->cfg_, ex->path, type);
  std::vector<sg_http_header> headers;
  headers.reserve(extra.size());
  for (const auto& [name, value] : extra)
    headers.push_back({name.data(), name.size(), value.data(), value.size()});
  ex->respond_opened(200, std::move(file), type, headers.data(), headers.size(), nullptr);
  return SG_HTTP_ANSWERED;
}

}  // namespace sg::gateway
