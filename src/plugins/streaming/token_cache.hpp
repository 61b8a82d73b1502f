// Playback tokens already verified, so a player's segment requests (the same token each
// time) cost a hash lookup instead of an HMAC and a JSON parse. Playback tokens cannot be
// revoked, only expire: a verified token stays valid for its content until its expiry, which
// is exactly what an entry records. Bounded; a full table starts over.
#pragma once

#include <chrono>
#include <ctime>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sg::streaming {

class VerifiedTokens {
 public:
  explicit VerifiedTokens(size_t max_entries = 20000) : max_entries_(max_entries) {}

  // True when `token` was verified for `content_id` and has not expired yet.
  bool valid(std::string_view token, std::string_view content_id) const {
    const auto now = static_cast<uint64_t>(std::time(nullptr));
    std::lock_guard lock(mu_);
    auto it = entries_.find(token);  // no copy of the token: a transparent lookup
    return it != entries_.end() && it->second.content_id == content_id &&
           now < it->second.expires_at;
  }
  void remember(std::string_view token, std::string_view content_id, uint64_t expires_at) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[std::string(token)] = Entry{std::string(content_id), expires_at};
  }

 private:
  // Lets find() take a string_view (C++20 heterogeneous lookup).
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct Entry {
    std::string content_id;
    uint64_t expires_at = 0;  // Unix seconds
  };
  size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

}  // namespace sg::streaming
