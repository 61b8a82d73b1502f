// Values, rows and results of the SQL layer, backend-neutral.
//
// Parameters are bound by position ($1, $2, ... in the SQL text for both backends).
// PostgreSQL returns every column as text (text protocol); SQLite returns typed values.
// The typed accessors on Row convert either form, so callers never see the difference.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sg::sql {

using Value = std::variant<std::nullptr_t, int64_t, double, std::string>;
using Params = std::vector<Value>;

// Convenience for optional parameters: nullopt binds NULL.
template <typename T>
Value opt(const std::optional<T>& v) {
  if (!v) return nullptr;
  return Value(*v);
}

class Row {
 public:
  // Rows share the column names, so a Row stays valid after its Result is gone.
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}

  size_t size() const noexcept { return values_.size(); }
  bool is_null(size_t i) const;
  int64_t i64(size_t i) const;  // throws on NULL or a non-integer
  double f64(size_t i) const;
  std::string str(size_t i) const;  // integers/doubles are rendered as text
  std::optional<int64_t> opt_i64(size_t i) const;
  std::optional<std::string> opt_str(size_t i) const;

  // By column name (as written in the SELECT list / RETURNING clause).
  size_t index(std::string_view name) const;
  bool is_null(std::string_view n) const { return is_null(index(n)); }
  int64_t i64(std::string_view n) const { return i64(index(n)); }
  double f64(std::string_view n) const { return f64(index(n)); }
  std::string str(std::string_view n) const { return str(index(n)); }
  std::optional<int64_t> opt_i64(std::string_view n) const { return opt_i64(index(n)); }
  std::optional<std::string> opt_str(std::string_view n) const { return opt_str(index(n)); }

 private:
  const Value& at(size_t i) const;
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

struct Result {
  std::shared_ptr<std::vector<std::string>> columns = std::make_shared<std::vector<std::string>>();
  std::vector<std::vector<Value>> values;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE

  size_t size() const noexcept { return values.size(); }
  bool empty() const noexcept { return values.empty(); }
  Row row(size_t i) const { return Row(columns, values.at(i)); }
  std::optional<Row> first() const {
    if (values.empty()) return std::nullopt;
    return row(0);
  }
};

}  // namespace sg::sql
