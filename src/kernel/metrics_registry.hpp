// Prometheus metrics: counters, gauges and histograms owned by the kernel, rendered in text
// exposition format 0.0.4. Handles (sg_metric*) live for the process lifetime.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <streamgate/plugin.h>

#include "result.hpp"

// The opaque handle of plugin.h, defined here (global namespace, as the C header names it).
struct sg_metric {
  sg_metric_kind kind = SG_METRIC_COUNTER;
  std::atomic<double> value{0.0};  // counter / gauge
  // Histogram state; one lock keeps count, sum and buckets consistent with each other.
  std::mutex mu;
  std::vector<double> bounds;     // ascending upper bounds, +Inf implied
  std::vector<uint64_t> buckets;  // per bound (non-cumulative), +Inf last
  double sum = 0.0;
  uint64_t count = 0;
};

namespace sgk {

class MetricsRegistry {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Returns the series `name{labels}`, creating family and series on first use. `labels` is
  // Prometheus label text without braces (`a="x",b="y"`). Errors: invalid name or labels,
  // name already used with another kind, bad buckets.
  Result<sg_metric*> get(sg_metric_kind kind, std::string_view name, std::string_view help,
                         std::string_view labels, const double* buckets = nullptr,
                         size_t bucket_count = 0);
  // Same with labels already split (kernel-internal callers).
  Result<sg_metric*> get(sg_metric_kind kind, std::string_view name, std::string_view help,
                         Labels labels, const double* buckets = nullptr, size_t bucket_count = 0);

  static void add(sg_metric* m, double v) noexcept;
  static void set(sg_metric* m, double v) noexcept;
  static void observe(sg_metric* m, double v) noexcept;

  // Called at the start of every render() (e.g. to refresh pool gauges).
  void add_refresher(std::function<void()> fn);

  std::string render() const;

  // Parses Prometheus label text; error on bad syntax or names.
  static Result<Labels> parse_labels(std::string_view text);
  static bool valid_metric_name(std::string_view name);
  static std::string format_value(double v);
  static const std::vector<double>& default_buckets();

 private:
  struct Family {
    sg_metric_kind kind;
    std::string help;
    std::vector<double> bounds;
    std::map<std::string, std::unique_ptr<sg_metric>> series;  // rendered label text -> series
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
  std::vector<std::function<void()>> refreshers_;
};

}  // namespace sgk
