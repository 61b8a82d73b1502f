// ${VAR} expansion in configuration strings.
#pragma once

#include <string>
#include <string_view>

#include "config_source.hpp"
#include "result.hpp"

namespace sgk {

// Replaces ${NAME} with the variable's value and ${NAME:-fallback} with the value or, when
// NAME is unset or empty, the fallback. "$${" yields a literal "${". An unset variable
// without a fallback is an error naming it (the caller adds key and file).
Result<std::string> expand_vars(std::string_view text, const Environment& env);

// True when `text` is exactly one ${...} reference (so its expansion may be typed).
bool is_single_reference(std::string_view text);

}  // namespace sgk
