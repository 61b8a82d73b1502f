// Small POSIX helpers for crash-safe files: atomic replace (write temp, fsync, rename,
// fsync directory) and fsync of directories. All return a Status; none throws.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "posix/fd.hpp"
#include "result.hpp"

namespace sg::upload {

using Fd = sg::posix::Fd;

// Failure 500 "storage_error" naming the operation and errno text (never user data).
Failure io_failure(std::string_view what);

Status fsync_dir(const std::filesystem::path& dir);
// Replaces `path` atomically with `content`; durable when it returns OK.
Status atomic_write(const std::filesystem::path& path, std::string_view content);
Result<std::string> read_small_file(const std::filesystem::path& path, size_t max_size = 1 << 20);
// Writes the whole buffer at `offset`, retrying short writes and EINTR.
Status pwrite_all(int fd, const char* data, size_t size, uint64_t offset);
// Appends exactly `size` bytes read from `in` (at its position) to `out`: copy_file_range
// (in the kernel, a reflink where the file system can), or read/write where the kernel
// cannot (another file system, a special file). A short source is an error.
Status copy_bytes(int in, int out, uint64_t size);

}  // namespace sg::upload
