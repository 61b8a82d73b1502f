#include "file_response.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "http_date.hpp"

namespace sg::gateway {

OpenFile::OpenFile(OpenFile&& o) noexcept {
  *this = std::move(o);
}
OpenFile& OpenFile::operator=(OpenFile&& o) noexcept {
  if (this != &o) {
    if (fd >= 0) ::close(fd);
    fd = o.fd;
    o.fd = -1;
    offset = o.offset;
    length = o.length;
    mtime = o.mtime;
    etag = std::move(o.etag);
    last_modified = std::move(o.last_modified);
  }
  return *this;
}
OpenFile::~OpenFile() {
  if (fd >= 0) ::close(fd);
}

sg_status open_file(const sg_http_file& spec, OpenFile& out, std::string& why) {
  int fd = -1;
  if (spec.fd >= 0) {
    fd = ::fcntl(spec.fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      why = std::string("cannot dup file descriptor: ") + std::strerror(errno);
      return SG_ERR_NOT_FOUND;
    }
  } else {
    if (spec.path == nullptr || spec.path_size == 0) {
      why = "file response needs a path or an fd";
      return SG_ERR_INVALID;
    }
    std::string path(spec.path, spec.path_size);
    if (path.find('\0') != std::string::npos) {
      why = "path contains a NUL byte";
      return SG_ERR_INVALID;
    }
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      why = "cannot open file: " + std::string(std::strerror(errno));
      return SG_ERR_NOT_FOUND;
    }
  }
  return adopt_file(fd, spec.offset, spec.length, out, why);
}

sg_status adopt_file(int fd, std::uint64_t offset, std::uint64_t length, OpenFile& out,
                     std::string& why) {
  OpenFile f;
  f.fd = fd;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    why = "not a regular file";
    return SG_ERR_NOT_FOUND;
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (offset > size) {
    why = "file window starts past the end of the file";
    return SG_ERR_INVALID;
  }
  f.offset = offset;
  f.length = size - offset;
  if (length != UINT64_MAX) {
    if (length > f.length) {
      why = "file window ends past the end of the file";
      return SG_ERR_INVALID;
    }
    f.length = length;
  }
  f.mtime = st.st_mtim.tv_sec;
  // Strong validator from what changes when the content does: mtime (ns), size, window.
  char buf[96];
  int n = std::snprintf(
      buf, sizeof buf, "\"%llx%lx-%llx-%llx-%llx\"",
      static_cast<unsigned long long>(st.st_mtim.tv_sec),
      static_cast<unsigned long>(st.st_mtim.tv_nsec), static_cast<unsigned long long>(size),
      static_cast<unsigned long long>(f.offset), static_cast<unsigned long long>(f.length));
  f.etag.assign(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  f.last_modified = format_http_date(f.mtime);
  out = std::move(f);
  return SG_OK;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view strip_weak(std::string_view tag) {
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
  return tag;
}

// If-None-Match uses the weak comparison (RFC 9110 13.1.2).
bool none_match_hits(std::string_view header, std::string_view etag) {
  header = trim(header);
  if (header == "*") return true;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    if (!item.empty() && strip_weak(item) == strip_weak(etag)) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

bool parse_u64(std::string_view s, std::uint64_t& v) {
  if (s.empty() || s.size() > 19) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

int parse_single_range(std::string_view header, std::uint64_t length, std::uint64_t& start,
                       std::uint64_t& count) {
  header = trim(header);
  if (header.substr(0, 6) != "bytes=") return 0;
  std::string_view spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return 0;  // multi-range: send it all
  std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return 0;
  std::string_view a = trim(spec.substr(0, dash));
  std::string_view b = trim(spec.substr(dash + 1));
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (a.empty()) {  // suffix: the last N bytes
    if (!parse_u64(b, last)) return 0;
    if (last == 0 || length == 0) return -1;
    count = last < length ? last : length;
    start = length - count;
    return 1;
  }
  if (!parse_u64(a, first)) return 0;
  if (b.empty()) {
    last = length == 0 ? 0 : length - 1;
  } else {
    if (!parse_u64(b, last) || last < first) return 0;
    if (length > 0 && last >= length) last = length - 1;
  }
  if (first >= length) return -1;
  start = first;
  count = last - first + 1;
  return 1;
}

FilePlan decide(int status, const OpenFile& file, const Conditionals& c) {
  FilePlan plan;
  plan.status = status;
  plan.start = 0;
  plan.count = file.length;
  if (status != 200) return plan;

  if (!c.if_none_match.empty()) {
    if (none_match_hits(c.if_none_match, file.etag)) {
      plan.status = 304;
      plan.count = 0;
      return plan;
    }
  } else if (!c.if_modified_since.empty()) {
    auto since = parse_http_date(trim(c.if_modified_since));
    if (since && file.mtime <= *since) {
      plan.status = 304;
      plan.count = 0;
      return plan;
    }
  }

  if (c.range.empty()) return plan;
  if (!c.if_range.empty()) {
    std::string_view ir = trim(c.if_range);
    bool fresh = false;
    if (!ir.empty() && (ir.front() == '"' || ir.substr(0, 2) == "W/")) {
      fresh = ir == file.etag;  // strong comparison
    } else {
      auto d = parse_http_date(ir);
      fresh = d && *d == file.mtime;
    }
    if (!fresh) return plan;
  }
  std::uint64_t start = 0;
  std::uint64_t count = 0;
  int r = parse_single_range(c.range, file.length, start, count);
  if (r == 0) return plan;
  if (r < 0) {
    plan.status = 416;
    plan.count = 0;
    plan.content_range = "bytes */" + std::to_string(file.length);
    return plan;
  }
  plan.status = 206;
  plan.start = start;
  plan.count = count;
  plan.content_range = "bytes " + std::to_string(start) + "-" + std::to_string(start + count - 1) +
                       "/" + std::to_string(file.length);
  return plan;
}

}  // namespace sg::gateway
