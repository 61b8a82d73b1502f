#include "durable_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sg::upload {

Failure io_failure(std::string_view what) {
  return fail(500, "storage_error", std::string(what) + ": " + std::strerror(errno));
}

Status fsync_dir(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return io_failure("open directory");
  if (::fsync(fd.get()) != 0) return io_failure("fsync directory");
  return ok_status();
}

Status atomic_write(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) return io_failure("create temporary file");
    if (auto st = pwrite_all(fd.get(), content.data(), content.size(), 0); !st) return st;
    if (::fdatasync(fd.get()) != 0) return io_failure("fdatasync");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_failure("rename");
  return fsync_dir(path.parent_path());
}

Result<std::string> read_small_file(const std::filesystem::path& path, size_t max_size) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return io_failure("open");
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_failure("read");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_size) return fail(500, "storage_error", "file too large");
  }
  return out;
}

Status pwrite_all(int fd, const char* data, size_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_failure("write");
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return ok_status();
}

Status copy_bytes(int in, int out, uint64_t size) {
  uint64_t left = size;
  bool in_kernel = true;
  std::string buf;
  while (left > 0) {
    ssize_t n = -1;
    if (in_kernel) {
      n = ::copy_file_range(in, nullptr, out, nullptr, left, 0);
      if (n < 0 && (errno == EINVAL || errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP)) {
        in_kernel = false;
        continue;
      }
    } else {
      if (buf.empty()) buf.resize(1 << 20);
      n = ::read(in, buf.data(), static_cast<size_t>(std::min<uint64_t>(left, buf.size())));
      if (n > 0) {
        size_t done = 0;
        while (done < static_cast<size_t>(n)) {
          ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n) - done);
          if (w < 0 && errno == EINTR) continue;
          if (w <= 0) return io_failure("write");
          done += static_cast<size_t>(w);
        }
      }
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_failure("copy");
    if (n == 0) {
      errno = EIO;
      return io_failure("copy: the source ended early");
    }
    left -= static_cast<uint64_t>(n);
  }
  return ok_status();
}

}  // namespace sg::upload
