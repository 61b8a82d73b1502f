#include "event_feed.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <vector>

namespace sg::monitor {
namespace {

// What EventSource clients wait before reconnecting after a drop.
constexpr std::string_view kOpening = "retry: 3000\n\n";
constexpr std::string_view kHeartbeat = ": keep-alive\n\n";
constexpr std::string_view kReset = "event: reset\ndata: {}\n\n";

std::string rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  std::time_t secs = system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count() % 1000;
  char buf[64];  // room for any int the compiler imagines in the fields
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

bool is_public_topic(std::string_view topic) {
  static constexpr std::array<std::string_view, 8> kTopics = {
      "upload.completed", "upload.failed",   "transcode.progress", "transcode.completed",
      "transcode.failed", "content.created", "content.updated",    "content.deleted"};
  for (auto t : kTopics)
    if (t == topic) return true;
  return false;
}

nlohmann::json public_data(const nlohmann::json& payload) {
  nlohmann::json data = payload.is_object() ? payload : nlohmann::json::object();
  // Server paths and the raw probe say how the host is laid out, nothing a client needs.
  data.erase("path");
  data.erase("probe");
  return data;
}

EventFeed::EventFeed(FeedLimits limits, std::string epoch)
    : limits_(limits), epoch_(std::move(epoch)) {}

bool EventFeed::publish(std::string_view topic, const nlohmann::json& payload,
                        std::chrono::system_clock::time_point now) {
  if (!is_public_topic(topic)) return false;
  nlohmann::json data = public_data(payload);
  std::string owner = data.value("owner", "");
  std::lock_guard lock(mu_);
  const std::uint64_t seq = next_seq_++;
  const std::string id = epoch_ + "-" + std::to_string(seq);
  nlohmann::json event{{"id", id}, {"topic", topic}, {"created_at", rfc3339(now)}, {"data", data}};
  std::string frame = "id: " + id + "\nevent: " + std::string(topic) + "\ndata: " +
                      event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (!matches(it->second.filter, owner)) {
      ++it;
    } else if (it->second.sink->write(frame)) {
      ++delivered_;
      ++it;
    } else {
      it = streams_.erase(it);
    }
  }
  window_.push_back(Event{seq, std::move(owner), std::move(frame), now});
  trim(now);
  return true;
}

void EventFeed::trim(std::chrono::system_clock::time_point now) {
  while (!window_.empty() &&
         (window_.size() > limits_.replay_events || now - window_.front().at > limits_.replay_age))
    window_.pop_front();
}

std::optional<std::uint64_t> EventFeed::resume_after(std::string_view last) const {
  const auto dash = last.rfind('-');
  if (dash == std::string_view::npos || last.substr(0, dash) != epoch_) return std::nullopt;
  std::uint64_t seq = 0;
  auto tail = last.substr(dash + 1);
  auto [p, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), seq);
  if (ec != std::errc() || p != tail.data() + tail.size() || seq >= next_seq_) return std::nullopt;
  // Everything after `seq` must still be in the window.
  const std::uint64_t oldest = window_.empty() ? next_seq_ : window_.front().seq;
  if (seq + 1 < oldest) return std::nullopt;
  return seq;
}

std::optional<std::uint64_t> EventFeed::attach(StreamFilter filter, std::string_view last_event_id,
                                               std::unique_ptr<StreamSink> sink) {
  std::lock_guard lock(mu_);
  if (streams_.size() >= limits_.max_streams) return std::nullopt;
  if (!sink->write(kOpening)) return std::nullopt;
  if (!last_event_id.empty()) {
    if (auto after = resume_after(last_event_id)) {
      for (const auto& e : window_)
        if (e.seq > *after && matches(filter, e.owner) && !sink->write(e.frame))
          return std::nullopt;
    } else if (!sink->write(kReset)) {
      return std::nullopt;
    }
  }
  const std::uint64_t id = next_stream_++;
  streams_.emplace(id, Stream{std::move(filter), std::move(sink)});
  return id;
}

void EventFeed::detach(std::uint64_t id) {
  std::unique_ptr<StreamSink> gone;
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(id);
    if (it == streams_.end()) return;
    gone = std::move(it->second.sink);
    streams_.erase(it);
  }
  gone->end();
}

void EventFeed::heartbeat(std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mu_);
  trim(now);
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (it->second.sink->write(kHeartbeat))
      ++it;
    else
      it = streams_.erase(it);
  }
}

void EventFeed::end_all() {
  std::map<std::uint64_t, Stream> streams;
  {
    std::lock_guard lock(mu_);
    streams.swap(streams_);
  }
  for (auto& [id, s] : streams) s.sink->end();
}

std::size_t EventFeed::stream_count() const {
  std::lock_guard lock(mu_);
  return streams_.size();
}

std::uint64_t EventFeed::delivered() const {
  std::lock_guard lock(mu_);
  return delivered_;
}

}  // namespace sg::monitor
