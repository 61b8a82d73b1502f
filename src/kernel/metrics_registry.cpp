#include "metrics_registry.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace sgk {

namespace {

bool valid_label_name(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return n.substr(0, 2) != "__";
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string render_labels(const MetricsRegistry::Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ',';
    out += k + "=\"" + escape_label_value(v) + "\"";
  }
  return out;
}

std::string braces(const std::string& inner) {
  return inner.empty() ? "" : "{" + inner + "}";
}

std::string with_le(const std::string& inner, const std::string& le) {
  return "{" + inner + (inner.empty() ? "" : ",") + "le=\"" + le + "\"}";
}

const char* kind_name(sg_metric_kind k) {
  switch (k) {
    case SG_METRIC_COUNTER:
      return "counter";
    case SG_METRIC_GAUGE:
      return "gauge";
    case SG_METRIC_HISTOGRAM:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

const std::vector<double>& MetricsRegistry::default_buckets() {
  static const std::vector<double> b = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

bool MetricsRegistry::valid_metric_name(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string MetricsRegistry::format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

Result<MetricsRegistry::Labels> MetricsRegistry::parse_labels(std::string_view text) {
  Labels out;
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  skip_ws();
  while (i < text.size()) {
    size_t eq = text.find('=', i);
    if (eq == std::string_view::npos) return fail("label list: expected name=\"value\"");
    std::string name(text.substr(i, eq - i));
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (!valid_label_name(name)) return fail("label list: invalid label name '" + name + "'");
    i = eq + 1;
    skip_ws();
    if (i >= text.size() || text[i] != '"')
      return fail("label list: value of '" + name + "' must be quoted");
    ++i;
    std::string value;
    bool closed = false;
    while (i < text.size()) {
      char c = text[i++];
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\\' && i < text.size()) {
        char e = text[i++];
        value += e == 'n' ? '\n' : e;
      } else {
        value += c;
      }
    }
    if (!closed) return fail("label list: unterminated value of '" + name + "'");
    for (const auto& [k, v] : out) {
      if (k == name) return fail("label list: duplicate label '" + name + "'");
    }
    out.emplace_back(std::move(name), std::move(value));
    skip_ws();
    if (i < text.size()) {
      if (text[i] != ',') return fail("label list: expected ',' between labels");
      ++i;
      skip_ws();
    }
  }
  return out;
}

Result<sg_metric*> MetricsRegistry::get(sg_metric_kind kind, std::string_view name,
                                        std::string_view help, std::string_view labels,
                                        const double* buckets, size_t bucket_count) {
  auto parsed = parse_labels(labels);
  if (!parsed) return fail("metric " + std::string(name) + ": " + parsed.error());
  return get(kind, name, help, std::move(parsed).value(), buckets, bucket_count);
}

Result<sg_metric*> MetricsRegistry::get(sg_metric_kind kind, std::string_view name,
                                        std::string_view help, Labels labels, const double* buckets,
                                        size_t bucket_count) {
  if (kind != SG_METRIC_COUNTER && kind != SG_METRIC_GAUGE && kind != SG_METRIC_HISTOGRAM) {
    return fail("metric " + std::string(name) + ": unknown kind");
  }
  if (!valid_metric_name(name)) return fail("invalid metric name '" + std::string(name) + "'");
  for (const auto& [k, v] : labels) {
    if (!valid_label_name(k))
      return fail("metric " + std::string(name) + ": invalid label '" + k + "'");
    if (kind == SG_METRIC_HISTOGRAM && k == "le") {
      return fail("metric " + std::string(name) + ": label 'le' is reserved for histograms");
    }
  }
  // Sorted so that the same label set in another order is the same series.
  std::sort(labels.begin(), labels.end());
  std::string key = render_labels(labels);

  std::lock_guard lock(mu_);
  auto fit = families_.find(std::string(name));
  if (fit == families_.end()) {
    Family fam{kind, std::string(help), {}, {}};
    if (kind == SG_METRIC_HISTOGRAM) {
      if (buckets != nullptr && bucket_count > 0) {
        fam.bounds.assign(buckets, buckets + bucket_count);
        for (size_t i = 0; i < fam.bounds.size(); ++i) {
          if (std::isnan(fam.bounds[i]) || (i > 0 && fam.bounds[i] <= fam.bounds[i - 1])) {
            return fail("metric " + std::string(name) + ": buckets must be strictly ascending");
          }
        }
        if (std::isinf(fam.bounds.back()) && fam.bounds.back() > 0) fam.bounds.pop_back();
      } else {
        fam.bounds = default_buckets();
      }
    }
    fit = families_.emplace(std::string(name), std::move(fam)).first;
  } else if (fit->second.kind != kind) {
    return fail("metric " + std::string(name) + " is already a " + kind_name(fit->second.kind) +
                ", not a " + kind_name(kind));
  }
  auto& fam = fit->second;
  auto sit = fam.series.find(key);
  if (sit == fam.series.end()) {
    auto m = std::make_unique<sg_metric>();
    m->kind = kind;
    if (kind == SG_METRIC_HISTOGRAM) {
      m->bounds = fam.bounds;
      m->buckets.assign(fam.bounds.size() + 1, 0);
    }
    sit = fam.series.emplace(key, std::move(m)).first;
  }
  return sit->second.get();
}

void MetricsRegistry::add(sg_metric* m, double v) noexcept {
  if (m == nullptr || std::isnan(v)) return;
  if (m->kind == SG_METRIC_COUNTER && v < 0) return;  // counters never go down
  if (m->kind == SG_METRIC_HISTOGRAM) return;
  m->value.fetch_add(v, std::memory_order_relaxed);
}

void MetricsRegistry::set(sg_metric* m, double v) noexcept {
  if (m == nullptr || m->kind != SG_METRIC_GAUGE) return;
  m->value.store(v, std::memory_order_relaxed);
}

void MetricsRegistry::observe(sg_metric* m, double v) noexcept {
  if (m == nullptr || m->kind != SG_METRIC_HISTOGRAM || std::isnan(v)) return;
  size_t i = static_cast<size_t>(std::lower_bound(m->bounds.begin(), m->bounds.end(), v) -
                                 m->bounds.begin());
  std::lock_guard lock(m->mu);
  m->buckets[i] += 1;
  m->sum += v;
  m->count += 1;
}

void MetricsRegistry::add_refresher(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  refreshers_.push_back(std::move(fn));
}

std::string MetricsRegistry::render() const {
  std::vector<std::function<void()>> refreshers;
  {
    std::lock_guard lock(mu_);
    refreshers = refreshers_;
  }
  for (auto& r : refreshers) r();

  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, fam] : families_) {
    if (fam.series.empty()) continue;
    out += "# HELP " + name + " " + escape_help(fam.help) + "\n";
    out += "# TYPE " + name + " " + kind_name(fam.kind) + "\n";
    for (const auto& [labels, m] : fam.series) {
      if (fam.kind != SG_METRIC_HISTOGRAM) {
        out += name + braces(labels) + " " + format_value(m->value.load()) + "\n";
        continue;
      }
      std::vector<uint64_t> counts;
      double sum = 0;
      uint64_t count = 0;
      {
        std::lock_guard hl(m->mu);
        counts = m->buckets;
        sum = m->sum;
        count = m->count;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < m->bounds.size(); ++i) {
        cumulative += counts[i];
        out += name + "_bucket" + with_le(labels, format_value(m->bounds[i])) + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + with_le(labels, "+Inf") + " " + std::to_string(count) + "\n";
      out += name + "_sum" + braces(labels) + " " + format_value(sum) + "\n";
      out += name + "_count" + braces(labels) + " " + std::to_string(count) + "\n";
    }
  }
  return out;
}

}  // namespace sgk
