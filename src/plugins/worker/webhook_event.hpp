// The public form of a bus event, as webhooks (and SSE) show it outside the process:
//   {"id": "<unique, increasing per process>", "topic": "...", "created_at": "<RFC 3339>",
//    "data": {...the bus payload without server-internal fields ("path", "probe")}}
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sg::worker {

struct PublicEvent {
  std::string id;
  std::string topic;
  std::optional<std::string> owner;  // payload "owner" when it is an address
  nlohmann::json document;           // the public JSON above
};

// Gives events their ids: "<16-digit counter>-<8 hex of this process>". The counter starts
// at the start-up time in microseconds and only grows, so ids increase within a process
// (also as strings) and a restart never reuses one; the suffix keeps ids of several
// processes sharing a database apart.
class EventIds {
 public:
  EventIds();
  std::string next(int64_t now_ms);

 private:
  std::atomic<int64_t> last_;
  std::string suffix_;
};

PublicEvent make_public_event(std::string id, std::string_view topic, const nlohmann::json& payload,
                              int64_t now_ms);

}  // namespace sg::worker
