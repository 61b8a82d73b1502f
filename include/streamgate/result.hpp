// Errors as values at module edges: a Result<T, E> holds either a value or an error. Plugins
// (and the kernel) return these from fallible functions instead of throwing across their
// own module boundaries; exceptions never cross the C ABI either way.
//
//   sg::Result<Upload, sg::http::HttpError> find(std::string_view id);
//   auto r = find(id);
//   if (!r) return r.error();        // propagate
//   use(r.value());
#pragma once

#include <type_traits>
#include <utility>
#include <variant>

namespace sg {

template <typename T, typename E>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<T, E>, "a Result's value and error types must differ");

 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const E& error() const& { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// For functions with nothing to return but success: Status<E> and ok().
struct Unit {};
template <typename E>
using Status = Result<Unit, E>;

}  // namespace sg
