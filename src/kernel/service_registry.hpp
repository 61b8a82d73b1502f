// Services by name and major version: providers register C vtables, consumers acquire
// them with a minimum minor. Acquisitions are counted per consumer so that the kernel can
// release what a stopping plugin forgot.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include <streamgate/plugin.h>

namespace sgk {

class ServiceRegistry {
 public:
  struct Entry {
    std::string name;
    uint32_t major = 0;
    uint32_t minor = 0;
    const void* vtable = nullptr;
    std::string provider;
  };

  // SG_ERR_EXISTS when name@major is taken, SG_ERR_INVALID on bad arguments.
  sg_status register_service(const std::string& provider, const std::string& name, uint32_t major,
                             uint32_t minor, const void* vtable, std::string* message);
  // SG_ERR_NOT_FOUND when nobody provides name@major, SG_ERR_VERSION when the provider's
  // minor is below min_minor.
  sg_status acquire(const std::string& consumer, const std::string& name, uint32_t major,
                    uint32_t min_minor, const void** out, std::string* message);
  // Drops one acquisition; false when the consumer held none.
  bool release(const std::string& consumer, const std::string& name, uint32_t major);
  // Drops every acquisition of `consumer`; returns "name@major" of each one dropped.
  std::vector<std::string> release_all(const std::string& consumer);
  // Removes the services of `provider` (at its stop); returns consumers still holding them.
  std::vector<std::string> unregister_provider(const std::string& provider);

  std::vector<Entry> list() const;
  // Total outstanding acquisitions of name@major (tests, diagnostics).
  uint64_t acquisitions(const std::string& name, uint32_t major) const;

 private:
  using Key = std::pair<std::string, uint32_t>;
  mutable std::mutex mu_;
  std::map<Key, Entry> services_;
  std::map<std::tuple<std::string, std::string, uint32_t>, uint64_t> held_;  // consumer,name,major
};

}  // namespace sgk
