#include "config_reference.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace sgtest::reference {
namespace {

using nlohmann::json;

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// The text of the first `code span` in `cell`, or "" (none).
std::string first_code_span(const std::string& cell) {
  size_t open = cell.find('`');
  if (open == std::string::npos) return "";
  size_t close = cell.find('`', open + 1);
  if (close == std::string::npos) return "";
  return cell.substr(open + 1, close - open - 1);
}

// Splits a Markdown table line into its cells; a '|' inside a code span stays in its cell.
std::vector<std::string> table_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool in_code = false;
  for (char c : line) {
    if (c == '`') in_code = !in_code;
    if (c == '|' && !in_code) {
      cells.push_back(trim(cell));
      cell.clear();
    } else {
      cell += c;
    }
  }
  cells.push_back(trim(cell));
  // "| a | b |" gives an empty first and last cell around the real ones.
  if (!cells.empty() && cells.front().empty()) cells.erase(cells.begin());
  if (!cells.empty() && cells.back().empty()) cells.pop_back();
  return cells;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path);
  for (std::string seg; std::getline(in, seg, '.');) out.push_back(seg);
  return out;
}

json& node_at(json& root, const std::vector<std::string>& segments, size_t count) {
  json* node = &root;
  for (size_t i = 0; i < count; ++i) {
    if (!node->is_object()) *node = json::object();
    node = &(*node)[segments[i]];
  }
  return *node;
}

void collect_paths(const YAML::Node& node, const std::string& prefix, std::set<std::string>& out) {
  if (node.IsMap() && node.size() > 0) {
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      collect_paths(kv.second, prefix.empty() ? key : prefix + "." + key, out);
    }
    return;
  }
  if (node.IsSequence()) {
    bool has_mapping = false;
    for (const auto& item : node) {
      if (item.IsMap()) {
        has_mapping = true;
        collect_paths(item, prefix + "[]", out);
      }
    }
    // The list itself is a key too ("plugins.auth.chains"), documented with its default.
    if (has_mapping) out.insert(prefix);
  }
  if (!prefix.empty()) out.insert(prefix);
}

json scalar_to_json(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted: always a string
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  std::int64_t i = 0;
  auto [iend, iec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (iec == std::errc() && iend == s.data() + s.size()) return i;
  double d = 0;
  auto [dend, dec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (dec == std::errc() && dend == s.data() + s.size()) return d;
  return s;
}

json node_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(node_to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = node_to_json(kv.second);
      return out;
    }
    default:
      return nullptr;
  }
}

}  // namespace

Reference parse_reference(const std::string& markdown) {
  Reference ref;
  std::istringstream in(markdown);
  bool inside = false;
  std::string section;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("## ", 0) == 0) {
      if (inside) break;  // the next chapter
      inside = trim(line.substr(3)) == "Configuration reference";
      continue;
    }
    if (!inside) continue;
    if (line.rfind("### ", 0) == 0) {
      section = first_code_span(line);
      if (!section.empty()) ref.sections.push_back(section);
      continue;
    }
    if (line.rfind("|", 0) != 0 || section.empty()) continue;
    auto cells = table_cells(line);
    if (cells.size() < 3 || cells[0].empty() || cells[0].front() != '`') continue;
    ref.rows.push_back({section, first_code_span(cells[0]), first_code_span(cells[1]), number});
  }
  return ref;
}

std::set<std::string> yaml_key_paths(const std::filesystem::path& file) {
  std::set<std::string> out;
  collect_paths(YAML::LoadFile(file.string()), "", out);
  return out;
}

json yaml_value_to_json(const std::string& yaml_text) {
  return node_to_json(YAML::Load(yaml_text));
}

json section_config(const Reference& ref, const std::string& section) {
  json root = json::object();
  std::map<std::string, json> list_entries;  // list path -> the one entry of its members
  for (const auto& row : ref.rows) {
    if (row.section != section) continue;
    const json value = yaml_value_to_json(row.value);
    const std::string path = row.path();
    const size_t list_mark = path.find("[].");
    if (list_mark == std::string::npos) {
      auto segments = split_path(path);
      node_at(root, segments, segments.size()) = value;
      continue;
    }
    auto member = split_path(path.substr(list_mark + 3));
    json& entry = list_entries[path.substr(0, list_mark)];
    node_at(entry, member, member.size()) = value;
  }
  for (const auto& [list, entry] : list_entries) {
    auto segments = split_path(list);
    node_at(root, segments, segments.size()) = json::array({entry});
  }
  return root;
}

}  // namespace sgtest::reference
