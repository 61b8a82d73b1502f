#include "sql/value.hpp"

#include <charconv>
#include <cstdlib>
#include <string>

#include <streamgate/plugin.hpp>

namespace sg::sql {

const Value& Row::at(size_t i) const {
  if (i >= values_.size()) throw Error(SG_ERR_INTERNAL, "sql: column index out of range");
  return values_[i];
}

bool Row::is_null(size_t i) const {
  return std::holds_alternative<std::nullptr_t>(at(i));
}

int64_t Row::i64(size_t i) const {
  const Value& v = at(i);
  if (auto* p = std::get_if<int64_t>(&v)) return *p;
  if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) {
    // PostgreSQL text protocol; booleans come as t/f.
    if (*s == "t") return 1;
    if (*s == "f") return 0;
    int64_t out = 0;
    auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc() && ptr == s->data() + s->size()) return out;
    throw Error(SG_ERR_INTERNAL, "sql: column " + std::to_string(i) + " is not an integer");
  }
  throw Error(SG_ERR_INTERNAL, "sql: column " + std::to_string(i) + " is NULL");
}

double Row::f64(size_t i) const {
  const Value& v = at(i);
  if (auto* p = std::get_if<double>(&v)) return *p;
  if (auto* n = std::get_if<int64_t>(&v)) return static_cast<double>(*n);
  if (auto* s = std::get_if<std::string>(&v)) {
    char* end = nullptr;
    double d = std::strtod(s->c_str(), &end);
    if (end != s->c_str() && *end == '\0') return d;
    throw Error(SG_ERR_INTERNAL, "sql: column " + std::to_string(i) + " is not a number");
  }
  throw Error(SG_ERR_INTERNAL, "sql: column " + std::to_string(i) + " is NULL");
}

std::string Row::str(size_t i) const {
  const Value& v = at(i);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
  if (auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  throw Error(SG_ERR_INTERNAL, "sql: column " + std::to_string(i) + " is NULL");
}

std::optional<int64_t> Row::opt_i64(size_t i) const {
  if (is_null(i)) return std::nullopt;
  return i64(i);
}

std::optional<std::string> Row::opt_str(size_t i) const {
  if (is_null(i)) return std::nullopt;
  return str(i);
}

size_t Row::index(std::string_view name) const {
  if (columns_ != nullptr) {
    for (size_t i = 0; i < columns_->size(); ++i)
      if ((*columns_)[i] == name) return i;
  }
  throw Error(SG_ERR_INTERNAL, "sql: no column named " + std::string(name));
}

}  // namespace sg::sql
