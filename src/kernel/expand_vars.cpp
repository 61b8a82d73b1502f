#include "expand_vars.hpp"

namespace sgk {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return !(name[0] >= '0' && name[0] <= '9');
}

}  // namespace

Result<std::string> expand_vars(std::string_view text, const Environment& env) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    auto close = text.find('}', i + 2);
    if (close == std::string_view::npos)
      return fail("unterminated ${ in '" + std::string(text) + "'");
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::string_view name = inner;
    std::string_view fallback;
    bool has_fallback = false;
    if (auto sep = inner.find(":-"); sep != std::string_view::npos) {
      name = inner.substr(0, sep);
      fallback = inner.substr(sep + 2);
      has_fallback = true;
    }
    if (!valid_name(name))
      return fail("invalid variable reference '${" + std::string(inner) + "}'");
    auto it = env.find(std::string(name));
    if (it != env.end() && !(has_fallback && it->second.empty())) {
      out += it->second;
    } else if (has_fallback) {
      out += fallback;
    } else {
      return fail("environment variable " + std::string(name) + " is not set");
    }
    i = close + 1;
  }
  return out;
}

bool is_single_reference(std::string_view text) {
  return text.size() > 3 && text.substr(0, 2) == "${" && text.back() == '}' &&
         text.find('}') == text.size() - 1;
}

}  // namespace sgk
