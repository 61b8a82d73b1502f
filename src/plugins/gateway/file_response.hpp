// File responses: opening the window to send, validators (ETag, Last-Modified) and the
// conditional / Range decision, done once here for every plugin (as nginx does).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include <streamgate/services/http.h>

namespace sg::gateway {

// An open file window. Owns `fd` (closed by the destructor); move-only.
struct OpenFile {
  int fd = -1;
  std::uint64_t offset = 0;  // window start in the file
  std::uint64_t length = 0;  // window length
  std::time_t mtime = 0;
  std::string etag;           // strong, quoted
  std::string last_modified;  // IMF-fixdate
  OpenFile() = default;
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  OpenFile(OpenFile&& o) noexcept;
  OpenFile& operator=(OpenFile&& o) noexcept;
  ~OpenFile();
};

// Opens (by path) or dups (by fd) the file and computes validators. SG_ERR_NOT_FOUND when
// it cannot be opened or is not a regular file; SG_ERR_INVALID for a window past the end.
sg_status open_file(const sg_http_file& spec, OpenFile& out, std::string& why);
// Takes ownership of an open `fd` (closed on failure too) and describes the window
// [offset, offset + length) (length UINT64_MAX = to the end).
sg_status adopt_file(int fd, std::uint64_t offset, std::uint64_t length, OpenFile& out,
                     std::string& why);

// Request headers that influence a file response (views valid during decide()).
struct Conditionals {
  std::string_view if_none_match;
  std::string_view if_modified_since;
  std::string_view range;
  std::string_view if_range;
};

struct FilePlan {
  int status = 200;           // 200, 206, 304 or 416 (or the caller's status)
  std::uint64_t start = 0;    // relative to the window
  std::uint64_t count = 0;    // bytes of body to send (0 for 304/416)
  std::string content_range;  // for 206 / 416
};

// Decides what to send. Conditionals and Range apply only when `status` is 200.
FilePlan decide(int status, const OpenFile& file, const Conditionals& c);

// Parses one "bytes=a-b" range against `length`: 1 = satisfiable (start,count set),
// 0 = ignore the header (syntax not understood or several ranges), -1 = unsatisfiable.
int parse_single_range(std::string_view header, std::uint64_t length, std::uint64_t& start,
                       std::uint64_t& count);

}  // namespace sg::gateway
