// Who watched, for view analytics: a wallet (the session's or the playback token's address),
// or an anonymous viewer known only by the keyed hash of (client IP, User-Agent) under that
// UTC day's salt. The salt is random per day and never written to a log; once the day is over
// it is deleted, so a stored hash can neither be reversed nor linked to the same person on
// another day. Also the small request facts the counting needs (client IP, Range, UTC day).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "keyed_hash.hpp"

namespace sg::streaming {

struct ViewerId {
  bool wallet = false;
  std::array<uint8_t, 20> bytes{};  // the address, or the 16-byte hash (zero padded)
  bool operator==(const ViewerId&) const = default;
  // "w:0x<40 hex, lower case>" for a wallet, "a:<32 hex>" for an anonymous viewer.
  std::string text() const;
};

// The wallet viewer of an address ("0x" + 40 hex digits, any case); nullopt otherwise.
std::optional<ViewerId> wallet_viewer(std::string_view address);
// The anonymous viewer of (client IP, User-Agent) under `salt` (that day's).
ViewerId anonymous_viewer(const HashKey& salt, std::string_view client_ip,
                          std::string_view user_agent);

// The IP of a remote address as the gateway gives it ("1.2.3.4:5678", "[::1]:5678"; the
// gateway already resolved X-Forwarded-For from trusted proxies).
std::string_view client_ip(std::string_view remote_address);

// Whether a segment request counts as a delivery of that segment: no Range, or a Range whose
// first range starts at byte 0. A player fetching one segment in several Range requests thus
// counts it once (the first part), and a suffix or mid-file range counts nothing.
bool counts_as_delivery(std::optional<std::string_view> range_header);

// Days since 1970-01-01 (UTC) of a Unix time; "YYYY-MM-DD" of such a day and back.
int64_t utc_day(int64_t unix_seconds);
std::string day_text(int64_t day);
std::optional<int64_t> parse_day(std::string_view text);

// The anonymous-viewer salt of each UTC day: loaded from (or created in) SQL so every
// instance sharing the database hashes the same viewer to the same value, kept in memory for
// the segment path. Never logged.
class DailySalts {
 public:
  void set(int64_t day, const HashKey& salt);
  std::optional<HashKey> get(int64_t day) const;
  // The salt of `day`, or — when SQL could not provide one in time — a random one kept for
  // that day in this process only (anonymous viewers may then count once per instance).
  HashKey get_or_make(int64_t day);
  // Drops the salts of days before `day`.
  void forget_before(int64_t day);

 private:
  mutable std::mutex mu_;
  std::map<int64_t, HashKey> salts_;
};

}  // namespace sg::streaming
