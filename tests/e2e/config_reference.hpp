// The README's configuration reference as data: its tables parsed into key paths with their
// documented values, the key paths a YAML configuration file uses, and a configuration built
// from the documented values. config_reference_test.cpp checks the three against each other
// and against a real server.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sgtest::reference {

// One table row of README.md's "## Configuration reference": the section heading
// (`### \`plugins.gateway\``) plus the row's key, and the first `code span` of its default
// column (a YAML value: the default, or for members of list entries an example).
struct Row {
  std::string section;  // "server", "plugins.auth", ...
  std::string key;      // as written in the row, relative to the section: "chains[].chain_id"
  std::string value;    // YAML text of the documented value; "" when the cell has none
  int line = 0;         // 1-based line in README.md, for messages

  std::string path() const { return section + "." + key; }
};

struct Reference {
  std::vector<std::string> sections;  // every `### \`...\`` heading, in order
  std::vector<Row> rows;
};

// Parses the "## Configuration reference" chapter (up to the next "## " heading). Rows are the
// table lines whose first cell is a `code span`; a `|` inside a code span does not split cells.
Reference parse_reference(const std::string& markdown);

// Every key path a YAML file sets: nested mappings joined with '.', mappings inside lists as
// "list[].member", empty mappings, lists of scalars and scalars as leaves.
// ("plugins.auth.chains[].rpc_urls", "logging.levels", "server.data_dir").
std::set<std::string> yaml_key_paths(const std::filesystem::path& file);

// A YAML value (the documented text) as JSON, with YAML 1.2 core-schema scalars: true/false,
// null/~, integers, floats; quoted scalars stay strings.
nlohmann::json yaml_value_to_json(const std::string& yaml_text);

// The configuration tree holding every row of `section` at its documented value, rooted at the
// top level ({"plugins": {"auth": {...}}}). Rows "list[].member" form ONE entry of `list` (which
// replaces the list's own documented value): the members of list entries are documented with
// an example, and one entry holding all of them must be accepted.
nlohmann::json section_config(const Reference& ref, const std::string& section);

}  // namespace sgtest::reference
