// The cache backend interface shared by the memory and Redis implementations.
//
// Errors are values here (Outcome), never exceptions for expected failures: the service
// adapter maps them straight onto sg_status without unwinding across the C boundary.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "streamgate/plugin.h"

namespace sg::cache {

// The result of one backend call: a status plus a human-readable message on failure.
struct Outcome {
  sg_status status = SG_OK;
  std::string message;

  bool ok() const noexcept { return status == SG_OK; }
  static Outcome success() { return {}; }
  static Outcome fail(sg_status s, std::string msg) { return {s, std::move(msg)}; }
};

// Every method is thread-safe. Keys and values are arbitrary bytes. Semantics follow
// include/streamgate/services/cache.h exactly (ttl_ms == 0 means "no expiry").
class Backend {
 public:
  virtual ~Backend() = default;

  virtual Outcome get(std::string_view key, std::string& out) = 0;
  virtual Outcome set(std::string_view key, std::string_view value, uint64_t ttl_ms) = 0;
  // SG_ERR_EXISTS when the key was present (and unexpired).
  virtual Outcome set_if_absent(std::string_view key, std::string_view value, uint64_t ttl_ms) = 0;
  virtual Outcome del(std::string_view key, bool& removed) = 0;
  // Creates the counter at 0 when absent; the TTL applies only when this call creates it.
  virtual Outcome incr(std::string_view key, int64_t delta, uint64_t ttl_ms, int64_t& out) = 0;
  virtual Outcome take(std::string_view key, std::string& out) = 0;
  // Reads every key in one round trip; on success out[i] holds key i's value or nullopt
  // (missing or expired). On failure `out` is left empty.
  virtual Outcome get_many(const std::vector<std::string_view>& keys,
                           std::vector<std::optional<std::string>>& out) = 0;
  // get_many that never blocks the caller: `done` runs exactly once, on the calling thread
  // before this returns (the default: the synchronous get_many, right for memory) or on a
  // backend thread (Redis pipelining). `done` must not throw.
  using ManyDone = std::function<void(const Outcome&, std::vector<std::optional<std::string>>&)>;
  virtual void get_many_async(std::vector<std::string> keys, ManyDone done) {
    std::vector<std::string_view> views(keys.begin(), keys.end());
    std::vector<std::optional<std::string>> out;
    Outcome r = get_many(views, out);
    done(r, out);
  }

  // A quick snapshot (no network I/O): {"backend": ..., "connected": bool, ...}.
  virtual nlohmann::json health() const = 0;
  // Housekeeping driven by a host timer (expired-entry sweep); a no-op by default.
  virtual void maintain() {}
  // Releases connections/memory; later calls fail with SG_ERR_UNAVAILABLE.
  virtual void shutdown() {}
};

}  // namespace sg::cache
