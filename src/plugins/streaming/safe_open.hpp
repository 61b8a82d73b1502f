// Opens a file below a directory without following any symlink on the way, so a link planted
// in a media folder can never serve a file from elsewhere.
#pragma once

#include <string>
#include <string_view>

#include "posix/fd.hpp"

namespace sg::streaming {

using Fd = sg::posix::Fd;

// The directory `path` (created when missing), opened as an anchor for open_beneath.
// Throws std::runtime_error naming the path when it cannot be opened.
Fd open_root(const std::string& path);

// Opens `relative` ("<id>/720p/seg-00001.m4s": plain names separated by '/') below `root`
// for reading. Every component must be a real directory or, for the last one, a regular
// file: a symlink anywhere, "..", "." or an empty component gives an empty Fd with errno set.
Fd open_beneath(int root, std::string_view relative);

// The whole content of a small regular file opened by open_beneath (at most `limit` bytes;
// false when larger or unreadable).
bool read_small_file(int fd, size_t limit, std::string& out);

}  // namespace sg::streaming
