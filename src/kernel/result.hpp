// The kernel's errors as values (sg::Result from the public SDK): a single-line message.
#pragma once

#include <string>
#include <utility>

#include <streamgate/result.hpp>

namespace sgk {

// Why a kernel operation failed, for the log and the user (names the key, file or plugin).
struct Failure {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result : public sg::Result<T, Failure> {
 public:
  using sg::Result<T, Failure>::Result;
  const std::string& error() const { return sg::Result<T, Failure>::error().message; }
};

using Status = Result<sg::Unit>;
inline Status ok_status() {
  return sg::Unit{};
}
inline Failure fail(std::string message) {
  return Failure{std::move(message)};
}

}  // namespace sgk
