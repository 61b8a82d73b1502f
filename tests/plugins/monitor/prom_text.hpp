// A strict reader of Prometheus text exposition format 0.0.4 for tests: it rejects any line
// that is not a comment, a blank line or `name{labels} value [timestamp]`, and checks that
// every family has HELP and TYPE before its samples and appears in one contiguous block.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace monitor_test {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromDoc {
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram|summary|untyped
  std::map<std::string, std::string> helps;  // family -> help text
  std::vector<PromSample> samples;

  // The value of the sample with this name whose labels include `match`.
  std::optional<double> value(std::string_view name,
                              const std::map<std::string, std::string>& match = {}) const;
  // Sum over every sample with this name whose labels include `match`.
  double sum(std::string_view name, const std::map<std::string, std::string>& match = {}) const;
};

// Throws std::runtime_error("line N: why") on the first violation.
PromDoc parse_prometheus(std::string_view text);

}  // namespace monitor_test
