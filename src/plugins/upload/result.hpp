// Errors as values inside the upload plugin: every fallible domain function returns a
// Result<T> (value or Failure) so that handlers map failures to HTTP answers in one place
// and nothing throws across module edges.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sg::upload {

// An HTTP-shaped failure: status, snake_case code, human message, and an optional limit
// (bytes) reported in the JSON body of 413 answers.
struct Failure {
  int status = 500;
  std::string code = "internal_error";
  std::string message;
  long long limit = -1;
};

inline Failure fail(int status, std::string code, std::string message, long long limit = -1) {
  return Failure{status, std::move(code), std::move(message), limit};
}

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(Failure failure) : v_(std::move(failure)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const Failure& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Failure> v_;
};

// For functions with nothing to return but success.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() {
  return Unit{};
}

}  // namespace sg::upload
