// An incremental multipart/form-data parser (RFC 7578) for POST /api/v1/uploads: bytes are
// fed as they arrive and part data is handed on without ever holding a whole part, so a
// multi-GB file field streams to disk with bounded memory.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "result.hpp"

namespace sg::upload {

struct PartInfo {
  std::string name;      // form field name
  std::string filename;  // from Content-Disposition (informational only; never a path)
  bool has_filename = false;
  std::string content_type;
};

struct MultipartHandler {
  std::function<Status(const PartInfo&)> begin;
  std::function<Status(std::string_view)> data;
  std::function<Status()> end;
};

// The boundary parameter of a multipart/form-data Content-Type, or nullopt.
std::optional<std::string> multipart_boundary(std::string_view content_type);

class MultipartParser {
 public:
  MultipartParser(std::string boundary, MultipartHandler handler);

  // Consumes `data`; handler errors and malformed input are returned (400 for syntax).
  Status feed(std::string_view data);
  // Call at end of body: 400 unless the closing delimiter was seen.
  Status finish();
  bool done() const noexcept { return state_ == State::done; }

 private:
  enum class State { preamble, after_delimiter, headers, body, done };
  Status parse_headers(std::string_view block);

  std::string delimiter_;  // "\r\n--" + boundary
  MultipartHandler handler_;
  State state_ = State::preamble;
  std::string buf_;
  PartInfo part_;
};

}  // namespace sg::upload
