#include "prom_text.hpp"

#include <cctype>
#include <cstdlib>
#include <limits>
#include <set>
#include <stdexcept>

namespace monitor_test {
namespace {

bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool name_char(char c) {
  return name_start(c) || std::isdigit(static_cast<unsigned char>(c));
}

[[noreturn]] void fail(size_t line, const std::string& why) {
  throw std::runtime_error("line " + std::to_string(line) + ": " + why);
}

std::string read_name(std::string_view s, size_t& pos, size_t line, bool allow_colon = true) {
  size_t start = pos;
  if (pos >= s.size() || !name_start(s[pos]) || (!allow_colon && s[pos] == ':'))
    fail(line, "expected a metric or label name at column " + std::to_string(pos + 1));
  while (pos < s.size() && name_char(s[pos]) && (allow_colon || s[pos] != ':')) ++pos;
  return std::string(s.substr(start, pos - start));
}

double read_value(std::string_view token, size_t line) {
  if (token == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (token == "+Inf" || token == "Inf") return std::numeric_limits<double>::infinity();
  if (token == "-Inf") return -std::numeric_limits<double>::infinity();
  std::string t(token);
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size()) fail(line, "bad sample value '" + t + "'");
  return v;
}

std::map<std::string, std::string> read_labels(std::string_view s, size_t& pos, size_t line) {
  std::map<std::string, std::string> labels;
  ++pos;  // '{'
  while (true) {
    if (pos >= s.size()) fail(line, "unterminated label set");
    if (s[pos] == '}') {
      ++pos;
      return labels;
    }
    std::string name = read_name(s, pos, line, false);
    if (pos >= s.size() || s[pos] != '=') fail(line, "expected '=' after label " + name);
    ++pos;
    if (pos >= s.size() || s[pos] != '"') fail(line, "expected '\"' for label " + name);
    ++pos;
    std::string value;
    while (true) {
      if (pos >= s.size()) fail(line, "unterminated label value for " + name);
      char c = s[pos++];
      if (c == '"') break;
      if (c == '\\') {
        if (pos >= s.size()) fail(line, "dangling escape");
        char e = s[pos++];
        if (e == 'n')
          value += '\n';
        else if (e == '\\' || e == '"')
          value += e;
        else
          fail(line, std::string("invalid escape \\") + e);
      } else {
        value += c;
      }
    }
    if (!labels.emplace(name, value).second) fail(line, "duplicate label " + name);
    if (pos < s.size() && s[pos] == ',')
      ++pos;
    else if (pos < s.size() && s[pos] != '}')
      fail(line, "expected ',' or '}' in label set");
  }
}

// The family a sample belongs to: itself, or for histograms/summaries the base name.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.contains(name)) return name;
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      std::string base = name.substr(0, name.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return {};
}

bool includes(const std::map<std::string, std::string>& labels,
              const std::map<std::string, std::string>& match) {
  for (const auto& [k, v] : match) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

std::optional<double> PromDoc::value(std::string_view name,
                                     const std::map<std::string, std::string>& match) const {
  for (const auto& s : samples)
    if (s.name == name && includes(s.labels, match)) return s.value;
  return std::nullopt;
}

double PromDoc::sum(std::string_view name, const std::map<std::string, std::string>& match) const {
  double total = 0;
  for (const auto& s : samples)
    if (s.name == name && includes(s.labels, match)) total += s.value;
  return total;
}

PromDoc parse_prometheus(std::string_view text) {
  static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                               "untyped"};
  PromDoc doc;
  std::set<std::string> closed;  // families whose block has ended
  std::string current;           // family of the previous sample
  size_t line_no = 0;
  size_t pos = 0;
  if (!text.empty() && text.back() != '\n') fail(0, "exposition must end with a newline");
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line.front() == '#') {
      for (std::string_view kw : {"# HELP ", "# TYPE "}) {
        if (!line.starts_with(kw)) continue;
        size_t p = kw.size();
        std::string name = read_name(line, p, line_no);
        if (p >= line.size() || line[p] != ' ') fail(line_no, "expected text after " + name);
        std::string rest(line.substr(p + 1));
        if (kw == "# TYPE ") {
          if (!kTypes.contains(rest)) fail(line_no, "unknown type '" + rest + "'");
          if (doc.types.contains(name)) fail(line_no, "second TYPE line for " + name);
          bool seen_samples = false;
          for (const auto& s : doc.samples) seen_samples = seen_samples || s.name == name;
          if (seen_samples) fail(line_no, "TYPE for " + name + " after its samples");
          doc.types[name] = rest;
        } else {
          if (doc.helps.contains(name)) fail(line_no, "second HELP line for " + name);
          doc.helps[name] = rest;
        }
      }
      continue;
    }
    size_t p = 0;
    PromSample sample;
    sample.name = read_name(line, p, line_no);
    if (p < line.size() && line[p] == '{') sample.labels = read_labels(line, p, line_no);
    if (p >= line.size() || line[p] != ' ') fail(line_no, "expected ' ' before the value");
    std::string_view rest = line.substr(p + 1);
    size_t space = rest.find(' ');
    sample.value = read_value(rest.substr(0, space), line_no);
    if (space != std::string_view::npos) {
      std::string ts(rest.substr(space + 1));
      char* end = nullptr;
      std::strtoll(ts.c_str(), &end, 10);
      if (ts.empty() || end != ts.c_str() + ts.size()) fail(line_no, "bad timestamp '" + ts + "'");
    }
    std::string family = family_of(sample.name, doc.types);
    if (family.empty()) fail(line_no, "sample " + sample.name + " has no TYPE line");
    if (!doc.helps.contains(family)) fail(line_no, "family " + family + " has no HELP line");
    if (family != current) {
      if (closed.contains(family)) fail(line_no, "family " + family + " is split in two blocks");
      if (!current.empty()) closed.insert(current);
      current = family;
    }
    doc.samples.push_back(std::move(sample));
  }
  return doc;
}

}  // namespace monitor_test
