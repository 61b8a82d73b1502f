#include "prometheus.hpp"

#include <cmath>
#include <cstdio>

namespace sg::monitor {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  // Exact integers (counts, bytes) print without an exponent up to 2^53.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    std::snprintf(buf, sizeof buf, "%.0f", value);
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", value);
  }
  return buf;
}

namespace {

void add_with_base_names(std::unordered_set<std::string>& names, std::string_view name) {
  if (name.empty()) return;
  names.emplace(name);
  for (std::string_view suffix : {"_bucket", "_sum", "_count", "_total", "_created"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      names.emplace(name.substr(0, name.size() - suffix.size()));
    }
  }
}

std::string_view metric_name_prefix(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && s[n] != '{' && s[n] != ' ' && s[n] != '\t') ++n;
  return s.substr(0, n);
}

}  // namespace

std::unordered_set<std::string> family_names(std::string_view text) {
  std::unordered_set<std::string> names;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) continue;
    if (line.front() == '#') {
      for (std::string_view kw : {"# TYPE ", "# HELP "}) {
        if (line.starts_with(kw))
          add_with_base_names(names, metric_name_prefix(line.substr(kw.size())));
      }
      continue;
    }
    add_with_base_names(names, metric_name_prefix(line));
  }
  return names;
}

void PromWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PromWriter::sample(std::string_view name, std::string_view labels, double value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    out_ += labels;
    out_ += '}';
  }
  out_ += ' ';
  out_ += format_value(value);
  out_ += '\n';
}

}  // namespace sg::monitor
