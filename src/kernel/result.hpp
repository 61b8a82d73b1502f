// Errors as values at module edges: a Result<T> holds either a value or a single-line
// error message. Kernel modules return these instead of throwing across their boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sgk {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const std::string& error() const { return std::get<1>(v_).message; }

 private:
  std::variant<T, Error> v_;
};

// A Result without a value.
using Status = Result<std::monostate>;
inline Status ok_status() {
  return std::monostate{};
}
inline Error fail(std::string message) {
  return Error{std::move(message)};
}

}  // namespace sgk
