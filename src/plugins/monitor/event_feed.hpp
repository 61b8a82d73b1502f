// The live event feed behind GET /api/v1/events: bus events about content, turned into
// their public form, kept in a bounded replay window and written to the open streams
// whose filter they pass. Host-free so that it is unit-tested alone; plugin.cpp feeds it
// from the bus and a timer, events_route.cpp attaches streams.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sg::monitor {

struct FeedLimits {
  std::size_t replay_events = 1000;      // events kept for Last-Event-ID resumption
  std::chrono::seconds replay_age{600};  // and for no longer than this
  std::size_t max_streams = 10000;       // open streams; more are refused
};

// Where a stream's bytes go. write() returns false once the stream is over (the client
// left, or its queue overflowed); the feed then forgets it. Called under the feed's lock:
// never blocks.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual bool write(std::string_view bytes) = 0;
  virtual void end() = 0;
};

// Whose events a stream shows.
struct StreamFilter {
  std::string owner;  // an EIP-55 address: events of that owner's content
  bool all = false;   // administrators: every event, including those without an owner
};

// The topics that leave the process, and the bus payload keys that never do.
bool is_public_topic(std::string_view topic);
nlohmann::json public_data(const nlohmann::json& payload);

class EventFeed {
 public:
  // `epoch` tells this process's event ids from another's (a restart, another instance):
  // a Last-Event-ID from elsewhere cannot be resumed here.
  EventFeed(FeedLimits limits, std::string epoch);

  // Records a bus event and writes it to the matching streams. False when not public.
  bool publish(std::string_view topic, const nlohmann::json& payload,
               std::chrono::system_clock::time_point now);

  // Attaches a stream: writes the opening (retry hint), then the window's events after
  // `last_event_id` (or a `reset` event when they are no longer all there), then every new
  // matching event. nullopt when max_streams are open.
  std::optional<std::uint64_t> attach(StreamFilter filter, std::string_view last_event_id,
                                      std::unique_ptr<StreamSink> sink);
  void detach(std::uint64_t id);

  // A comment line to every stream (keeps proxies and NATs from closing idle streams, and
  // finds the streams whose client left). Also trims the window by age.
  void heartbeat(std::chrono::system_clock::time_point now);
  // Ends every stream (shutdown).
  void end_all();

  std::size_t stream_count() const;
  std::uint64_t delivered() const;

 private:
  struct Event {
    std::uint64_t seq;
    std::string owner;
    std::string frame;  // the SSE text: id, event, data
    std::chrono::system_clock::time_point at;
  };
  struct Stream {
    StreamFilter filter;
    std::unique_ptr<StreamSink> sink;
  };
  static bool matches(const StreamFilter& f, const std::string& owner) {
    return f.all || (!owner.empty() && f.owner == owner);
  }
  void trim(std::chrono::system_clock::time_point now);
  // The window's events after the id, or nullopt when some of them are missing.
  std::optional<std::uint64_t> resume_after(std::string_view last_event_id) const;

  const FeedLimits limits_;
  const std::string epoch_;
  mutable std::mutex mu_;
  std::deque<Event> window_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t next_stream_ = 1;
  std::uint64_t delivered_ = 0;
  std::map<std::uint64_t, Stream> streams_;
};

}  // namespace sg::monitor
