// Small helpers for writing Prometheus text exposition format 0.0.4 — no host API needed,
// so they are unit-tested and benchmarked on their own.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

namespace sg::monitor {

// Escapes a label value: backslash, double quote and newline (format 0.0.4).
std::string escape_label_value(std::string_view value);

// Escapes HELP text: backslash and newline.
std::string escape_help(std::string_view help);

// Formats a sample value: integers without a fraction, NaN / +Inf / -Inf as spelled by
// Prometheus, other values with enough digits to round-trip.
std::string format_value(double value);

// Every metric family name that already appears in `text`: names from `# TYPE` / `# HELP`
// lines and sample names (with and without the _bucket/_sum/_count/_total suffixes).
// The monitor uses it to skip a family the kernel already renders, because a family
// split across two places is invalid exposition.
std::unordered_set<std::string> family_names(std::string_view text);

// Appends families to a text buffer. Usage: family(...), then sample(...) for each series.
class PromWriter {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help);
  // `labels` is a ready label list without braces (e.g. `topic="a.b"`), or empty.
  void sample(std::string_view name, std::string_view labels, double value);
  const std::string& text() const noexcept { return out_; }
  std::string take() noexcept { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace sg::monitor
