#include "service_registry.hpp"

namespace sgk {

sg_status ServiceRegistry::register_service(const std::string& provider, const std::string& name,
                                            uint32_t major, uint32_t minor, const void* vtable,
                                            std::string* message) {
  if (name.empty() || vtable == nullptr) {
    if (message) *message = "service name must be non-empty and vtable non-null";
    return SG_ERR_INVALID;
  }
  std::lock_guard lock(mu_);
  Key key{name, major};
  auto it = services_.find(key);
  if (it != services_.end()) {
    if (message) {
      *message = "service " + name + "@" + std::to_string(major) +
                 " is already provided by plugin '" + it->second.provider + "'";
    }
    return SG_ERR_EXISTS;
  }
  services_.emplace(key, Entry{name, major, minor, vtable, provider});
  return SG_OK;
}

sg_status ServiceRegistry::acquire(const std::string& consumer, const std::string& name,
                                   uint32_t major, uint32_t min_minor, const void** out,
                                   std::string* message) {
  if (out == nullptr) {
    if (message) *message = "out_vtable is null";
    return SG_ERR_INVALID;
  }
  std::lock_guard lock(mu_);
  auto it = services_.find(Key{name, major});
  if (it == services_.end()) {
    if (message) *message = "no plugin provides service " + name + "@" + std::to_string(major);
    return SG_ERR_NOT_FOUND;
  }
  if (it->second.minor < min_minor) {
    if (message) {
      *message = "service " + name + "@" + std::to_string(major) + "." + std::to_string(min_minor) +
                 " requested but plugin '" + it->second.provider + "' provides only " + name + "@" +
                 std::to_string(major) + "." + std::to_string(it->second.minor);
    }
    return SG_ERR_VERSION;
  }
  *out = it->second.vtable;
  ++held_[{consumer, name, major}];
  return SG_OK;
}

bool ServiceRegistry::release(const std::string& consumer, const std::string& name,
                              uint32_t major) {
  std::lock_guard lock(mu_);
  auto it = held_.find({consumer, name, major});
  if (it == held_.end()) return false;
  if (--it->second == 0) held_.erase(it);
  return true;
}

std::vector<std::string> ServiceRegistry::release_all(const std::string& consumer) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (auto it = held_.begin(); it != held_.end();) {
    if (std::get<0>(it->first) == consumer) {
      out.push_back(std::get<1>(it->first) + "@" + std::to_string(std::get<2>(it->first)));
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<std::string> ServiceRegistry::unregister_provider(const std::string& provider) {
  std::lock_guard lock(mu_);
  std::vector<std::string> holders;
  for (auto it = services_.begin(); it != services_.end();) {
    if (it->second.provider != provider) {
      ++it;
      continue;
    }
    for (const auto& [k, n] : held_) {
      if (std::get<1>(k) == it->first.first && std::get<2>(k) == it->first.second) {
        holders.push_back(std::get<0>(k));
      }
    }
    it = services_.erase(it);
  }
  return holders;
}

std::vector<ServiceRegistry::Entry> ServiceRegistry::list() const {
  std::lock_guard lock(mu_);
  std::vector<Entry> out;
  for (const auto& [k, e] : services_) out.push_back(e);
  return out;
}

uint64_t ServiceRegistry::acquisitions(const std::string& name, uint32_t major) const {
  std::lock_guard lock(mu_);
  uint64_t total = 0;
  for (const auto& [k, n] : held_) {
    if (std::get<1>(k) == name && std::get<2>(k) == major) total += n;
  }
  return total;
}

}  // namespace sgk
