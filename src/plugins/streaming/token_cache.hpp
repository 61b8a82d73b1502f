// Playback tokens already verified, so a player's segment requests (the same token each
// time) cost a hash lookup instead of an HMAC and a JSON parse. Playback tokens cannot be
// revoked, only expire: a verified token stays valid for its content until its expiry, which
// is exactly what an entry records. Bounded; a full table starts over.
#pragma once

#include <array>
#include <chrono>
#include <ctime>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sg::streaming {

class VerifiedTokens {
 public:
  explicit VerifiedTokens(size_t max_entries = 20000) : max_entries_(max_entries) {}

  // What a verified token says about its holder (for view analytics).
  struct Facts {
    uint64_t expires_at = 0;         // Unix seconds
    std::array<char, 43> address{};  // the wallet it was minted for, "" when anonymous
  };

  // The token's facts when `token` was verified for `content_id` and has not expired yet.
  std::optional<Facts> valid(std::string_view token, std::string_view content_id) const {
    const auto now = static_cast<uint64_t>(std::time(nullptr));
    std::lock_guard lock(mu_);
    auto it = entries_.find(token);  // no copy of the token: a transparent lookup
    if (it == entries_.end() || it->second.content_id != content_id ||
        now >= it->second.facts.expires_at)
      return std::nullopt;
    return it->second.facts;
  }
  void remember(std::string_view token, std::string_view content_id, uint64_t expires_at,
                std::string_view address = {}) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[std::string(token)] = Entry{std::string(content_id), facts_of(expires_at, address)};
  }
  static Facts facts_of(uint64_t expires_at, std::string_view address) {
    Facts f;
    f.expires_at = expires_at;
    if (address.size() < f.address.size()) address.copy(f.address.data(), address.size());
    return f;
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
    Facts facts;
  };
  size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

}  // namespace sg::streaming
