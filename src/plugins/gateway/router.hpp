// The route table: patterns with {param} segments and a trailing {name*} catch-all.
//
// Readers take a snapshot (shared_ptr) of an immutable table, so lookups never lock;
// writers copy-and-swap under a mutex (route changes are rare: start-up and shutdown).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <streamgate/services/http.h>

namespace sg::gateway {

// A request path split into raw (still percent-encoded) segments, without allocating for
// ordinary paths. "/a/b/" has segments "a","b","" (the trailing empty one matters).
struct PathSegments {
  static constexpr std::size_t kMax = 64;
  std::string_view seg[kMax];
  std::size_t count = 0;
  std::string_view raw;  // the whole raw path
  bool too_many = false;
};
PathSegments split_path(std::string_view raw_path);

// Percent-decodes `in` into `out`; false on a malformed escape or a decoded NUL byte.
// '+' is kept literally (paths) unless plus_is_space (query strings).
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space = false);

struct Segment {
  enum Kind : std::uint8_t { kLiteral, kParam, kCatchAll } kind;
  std::string text;  // literal text (decoded) or parameter name
};

struct Route {
  std::uint64_t id = 0;
  std::uint32_t methods = 0;
  std::string pattern;  // also the metrics label
  std::vector<Segment> segments;
  sg_http_body_mode body_mode = SG_HTTP_BODY_NONE;
  std::uint64_t max_body_bytes = 0;  // 0 = gateway default
  sg_http_handler_fn handler = nullptr;
  void* user = nullptr;
  // route_remove() waits until no call is in flight so that the handler is never called
  // after it returns (a snapshot may still point at a removed route).
  mutable std::atomic<int> active{0};
  std::atomic<bool> removed{false};
};

// The route whose handler runs on this thread (set by the session around the call).
extern thread_local const Route* current_route;

// Parses `pattern` into segments; false with a reason on a malformed pattern.
bool compile_pattern(std::string_view pattern, std::vector<Segment>& out, std::string& why);

struct Param {
  const std::string* name;  // points into the matched Route (kept alive by the exchange)
  std::string value;        // percent-decoded
};

struct Match {
  std::shared_ptr<const Route> route;  // null: no route for this method
  std::uint32_t allowed = 0;           // union of methods of routes matching the path
  bool bad_encoding = false;           // a segment had a malformed percent escape
};

class RouteTable {
 public:
  using Snapshot = std::shared_ptr<const std::vector<std::shared_ptr<const Route>>>;

  RouteTable();
  // Adds a route; SG_ERR_EXISTS on a pattern+method overlap, SG_ERR_INVALID on a bad pattern.
  sg_status add(const sg_http_route& spec, std::uint64_t* out_id, std::string& why);
  sg_status remove(std::uint64_t id);
  Snapshot snapshot() const {
    return std::atomic_load_explicit(&routes_, std::memory_order_acquire);
  }

  // Finds the route for `method` (one SG_HTTP_* bit; HEAD also matches GET routes).
  // On success fills `params` with the decoded path parameters.
  static Match match(const Snapshot& routes, std::uint32_t method, const PathSegments& path,
                     std::vector<Param>& params);

 private:
  std::mutex write_mu_;
  Snapshot routes_;
  std::uint64_t next_id_ = 1;
};

}  // namespace sg::gateway
