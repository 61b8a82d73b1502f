#include "safe_open.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace sg::streaming {

Fd open_root(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error("cannot open the media folder " + path + ": " +
                             std::generic_category().message(errno));
  return Fd(fd);
}

Fd open_beneath(int root, std::string_view relative) {
  Fd dir;
  int at = root;
  while (true) {
    size_t slash = relative.find('/');
    std::string name(relative.substr(0, slash));
    if (name.empty() || name == "." || name == ".." || name.find('\0') != std::string::npos) {
      errno = ENOENT;
      return Fd();
    }
    bool last = slash == std::string_view::npos;
    // O_NOFOLLOW refuses a symlink as the last component of each step; stepping one name at
    // a time makes every component the last one once.
    int flags = O_CLOEXEC | O_NOFOLLOW | (last ? O_RDONLY : (O_PATH | O_DIRECTORY));
    int fd = ::openat(at, name.c_str(), flags);
    if (fd < 0) return Fd();
    Fd next(fd);
    if (last) {
      struct stat st {};
      if (::fstat(next.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        errno = ENOENT;
        return Fd();
      }
      return next;
    }
    dir = std::move(next);
    at = dir.get();
    relative.remove_prefix(slash + 1);
  }
}

bool read_small_file(int fd, size_t limit, std::string& out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 0 || static_cast<size_t>(st.st_size) > limit)
    return false;
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace sg::streaming
