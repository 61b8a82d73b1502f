#include "static_files.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

#include <streamgate/plugin.hpp>

#include "exchange.hpp"

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

}  // namespace

StaticFiles::StaticFiles(const StaticConfig& cfg) : cfg_(cfg) {
  struct stat st {};
  if (!canonical(cfg.dir, root_) || ::stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw sg::Error(SG_ERR_INVALID,
                    "plugins.gateway.static.dir '" + cfg.dir + "' is not a directory");
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

bool StaticFiles::resolve(const std::string& relative, std::string& file, bool& redirect) const {
  redirect = false;
  std::string joined = root_;
  std::size_t pos = 0;
  while (pos <= relative.size()) {
    std::size_t slash = relative.find('/', pos);
    std::string_view seg = std::string_view(relative).substr(
        pos, slash == std::string::npos ? std::string::npos : slash - pos);
    if (seg == "..") return false;  // never climb, even if it would stay inside
    if (seg.find('\\') != std::string_view::npos || seg.find('\0') != std::string_view::npos)
      return false;
    if (!seg.empty() && seg != ".") {
      joined += '/';
      joined += seg;
    }
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  std::string real;
  if (!canonical(joined, real) || !inside(root_, real)) return false;  // symlink escape too
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0) return false;
  if (S_ISDIR(st.st_mode)) {
    if (!relative.empty() && relative.back() != '/') {
      redirect = true;
      return true;
    }
    std::string index;
    if (!canonical(real + "/" + cfg_.index, index) || !inside(root_, index)) return false;
    if (::stat(index.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    file = std::move(index);
    return true;
  }
  if (!S_ISREG(st.st_mode)) return false;
  file = std::move(real);
  return true;
}

sg_http_handler_result StaticFiles::handle(void* user, sg_http_exchange* raw) {
  auto* self = static_cast<StaticFiles*>(user);
  auto* ex = reinterpret_cast<Exchange*>(raw);
  std::string relative;
  for (const auto& p : ex->params)
    if (*p.name == "path") relative = p.value;
  std::string file;
  bool redirect = false;
  if (!self->resolve(relative, file, redirect)) {
    ex->respond_error(404, "not_found", "no such file");
    return SG_HTTP_ANSWERED;
  }
  if (redirect) {
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
  sg_http_file f{};
  f.struct_size = sizeof f;
  f.path = file.data();
  f.path_size = file.size();
  f.fd = -1;
  f.offset = 0;
  f.length = UINT64_MAX;
  sg_error err{};
  if (ex->respond_file(200, &f, &err) != SG_OK && !ex->answered())
    ex->respond_error(404, "not_found", "no such file");
  return SG_HTTP_ANSWERED;
}

}  // namespace sg::gateway
