// Per-request metrics and the JSON access log. Metric handles are cached per network
// thread (no lock on the hot path); the host is asked only on a label set's first use.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include <streamgate/plugin.hpp>

namespace sg::gateway {

struct RequestRecord {
  std::uint64_t route_id = 0;    // 0 = unmatched
  std::string_view route_label;  // the route pattern, or "unmatched"
  std::string_view method;
  std::string_view path;  // raw path without the query (queries may hold secrets)
  int status = 0;
  std::uint64_t bytes = 0;  // body bytes sent
  double seconds = 0;
  std::string_view request_id;
  std::string_view remote;
};

class Observer {
 public:
  Observer(sg::Host host, bool access_log);
  void connection_opened() const { open_.add(1); }
  void connection_closed() const { open_.add(-1); }
  void request_done(const RequestRecord& r) const;

 private:
  struct ThreadCache {
    std::unordered_map<std::uint64_t, sg_metric*> counters;
    std::unordered_map<std::uint64_t, sg_metric*> histograms;
    std::unordered_map<std::uint64_t, sg_metric*> bytes;
  };
  sg_metric* lookup(std::unordered_map<std::uint64_t, sg_metric*>& map, std::uint64_t key,
                    sg_metric_kind kind, std::string_view name, std::string_view help,
                    const std::string& labels) const;

  sg::Host host_;
  bool access_log_;
  sg::Metric open_;
};

}  // namespace sg::gateway
