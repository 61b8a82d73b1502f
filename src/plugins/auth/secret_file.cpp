#include "secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "tokens.hpp"

namespace sg::auth {

namespace {

constexpr size_t kMinBytes = 32;
constexpr size_t kMaxBytes = 4096;

[[noreturn]] void fail(const std::filesystem::path& p, const std::string& what, int err = 0) {
  std::string m = "session key file " + p.string() + ": " + what;
  if (err != 0) m += ": " + std::string(std::strerror(err));
  throw std::runtime_error(m);
}

// RAII for a file descriptor.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void ensure_private_dir(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return;
  if (errno != EEXIST) fail(dir, "cannot create the directory", errno);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) fail(dir, "cannot stat the directory", errno);
  if (!S_ISDIR(st.st_mode)) fail(dir, "is not a directory");
  // Created by an earlier start (or by hand): only the owner may list or enter it.
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0)
    fail(dir, "cannot restrict the directory to its owner", errno);
}

// nullopt when the file does not exist.
std::optional<std::string> read_existing(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail(file, "cannot open", errno);
  }
  Fd guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(file, "cannot stat", errno);
  if (!S_ISREG(st.st_mode)) fail(file, "is not a regular file");
  if ((st.st_mode & 077) != 0)
    fail(file, "is readable or writable by others than its owner (chmod 600 it)");
  if (st.st_size > static_cast<off_t>(kMaxBytes)) fail(file, "is too large to be a key");
  std::string value(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < value.size()) {
    ssize_t n = ::read(fd, value.data() + got, value.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(file, "cannot read", n < 0 ? errno : 0);
    got += static_cast<size_t>(n);
  }
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.size() < kMinBytes) fail(file, "holds fewer than 32 bytes");
  return value;
}

void write_all(int fd, const std::string& data, const std::filesystem::path& p) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(p, "cannot write", n < 0 ? errno : 0);
    done += static_cast<size_t>(n);
  }
}

}  // namespace

StoredSecret load_or_create_secret(const std::filesystem::path& file) {
  ensure_private_dir(file.parent_path());
  if (auto existing = read_existing(file)) return {std::move(*existing), false};

  std::string value = random_token(kMinBytes);  // 64 hex chars from the CSPRNG
  std::filesystem::path tmp = file;
  tmp += ".tmp-" + random_token(8);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) fail(tmp, "cannot create", errno);
  {
    Fd guard(fd);
    try {
      write_all(fd, value + "\n", tmp);
      if (::fchmod(fd, 0600) != 0) fail(tmp, "cannot chmod", errno);  // whatever the umask
      if (::fsync(fd) != 0) fail(tmp, "cannot fsync", errno);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  // link() refuses to replace: when another process published a key first, use theirs.
  int rc = ::link(tmp.c_str(), file.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (link_errno != EEXIST) fail(file, "cannot publish", link_errno);
    auto theirs = read_existing(file);
    if (!theirs) fail(file, "vanished while starting");
    return {std::move(*theirs), false};
  }
  int dir = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // the new name survives a crash
    ::close(dir);
  }
  return {std::move(value), true};
}

}  // namespace sg::auth
