// How a transcode ends when it does not succeed. `reason` is for a person (it becomes the
// content's status_reason); `retryable` says whether running the job again could help
// (a full disk may clear; a file with no video stream never will).
#pragma once

#include <string>

#include <streamgate/result.hpp>

namespace sg::transcoder {

struct Failure {
  enum class Kind { invalid_input, limit, internal, io, cancelled };
  Kind kind = Kind::internal;
  std::string reason;

  bool retryable() const noexcept { return kind == Kind::internal || kind == Kind::io; }
  // Label for the failures metric: "invalid_input", "limit", ...
  const char* label() const noexcept;
};

inline Failure invalid_input(std::string why) {
  return {Failure::Kind::invalid_input, std::move(why)};
}
inline Failure over_limit(std::string why) {
  return {Failure::Kind::limit, std::move(why)};
}
inline Failure internal_error(std::string why) {
  return {Failure::Kind::internal, std::move(why)};
}
inline Failure io_error(std::string why) {
  return {Failure::Kind::io, std::move(why)};
}
inline Failure cancelled() {
  return {Failure::Kind::cancelled, "cancelled"};
}

template <typename T>
using Result = sg::Result<T, Failure>;
using Status = sg::Status<Failure>;
inline constexpr sg::Unit ok{};

}  // namespace sg::transcoder
