#include "request_id.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <random>

namespace sg::gateway {

bool request_id_valid(std::string_view id) {
  if (id.empty() || id.size() > kRequestIdMax) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {
std::uint32_t process_prefix() {
  static const std::uint32_t prefix = [] {
    std::random_device rd;
    return static_cast<std::uint32_t>(rd());
  }();
  return prefix;
}
std::atomic<std::uint32_t> next_thread{0};
}  // namespace

std::size_t generate_request_id(char* out) {
  // The counter is thread-local so generation takes no lock and shares no cache line.
  thread_local std::uint32_t thread_no = next_thread.fetch_add(1);
  thread_local std::uint64_t counter = 0;
  ++counter;
  int n = std::snprintf(out, 33, "%08x-%02x-%012llx", process_prefix(), thread_no & 0xff,
                        static_cast<unsigned long long>(counter & 0xffffffffffffull));
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

}  // namespace sg::gateway
