#include "dependency_graph.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace sgk {

Result<std::vector<size_t>> start_order(const std::vector<PluginInfo>& plugins) {
  // Who provides name@major.
  std::map<std::pair<std::string, uint32_t>, size_t> provider;
  for (size_t i = 0; i < plugins.size(); ++i) {
    for (const auto& s : plugins[i].provides) {
      auto [it, inserted] = provider.emplace(std::make_pair(s.name, s.major), i);
      if (!inserted && it->second != i) {
        return fail("service " + s.name + "@" + std::to_string(s.major) +
                    " is provided by two plugins: '" + plugins[it->second].id + "' and '" +
                    plugins[i].id + "'");
      }
    }
  }
  // Edges: dependant -> provider.
  std::vector<std::set<size_t>> needs(plugins.size());
  for (size_t i = 0; i < plugins.size(); ++i) {
    for (const auto& dep : plugins[i].requires_) {
      std::string wanted =
          dep.name + "@" + std::to_string(dep.major) + "." + std::to_string(dep.min_minor);
      auto it = provider.find({dep.name, dep.major});
      if (it == provider.end()) {
        if (dep.optional) continue;
        return fail("plugin '" + plugins[i].id + "' requires service " + wanted +
                    " but no loaded plugin provides it");
      }
      const auto& prov = plugins[it->second];
      uint32_t minor = 0;
      for (const auto& s : prov.provides) {
        if (s.name == dep.name && s.major == dep.major) minor = s.minor;
      }
      if (minor < dep.min_minor) {
        if (dep.optional) continue;
        return fail("plugin '" + plugins[i].id + "' requires service " + wanted + " but plugin '" +
                    prov.id + "' provides only " + dep.name + "@" + std::to_string(dep.major) +
                    "." + std::to_string(minor) + " (too old)");
      }
      if (it->second != i) needs[i].insert(it->second);
    }
  }

  // Kahn's algorithm; the ready set is ordered by id so the order is reproducible.
  std::vector<size_t> order;
  std::vector<size_t> remaining(plugins.size());
  for (size_t i = 0; i < plugins.size(); ++i) remaining[i] = needs[i].size();
  auto by_id = [&](size_t a, size_t b) { return plugins[a].id < plugins[b].id; };
  std::set<size_t, decltype(by_id)> ready(by_id);
  for (size_t i = 0; i < plugins.size(); ++i) {
    if (remaining[i] == 0) ready.insert(i);
  }
  while (!ready.empty()) {
    size_t n = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(n);
    for (size_t j = 0; j < plugins.size(); ++j) {
      if (needs[j].count(n) != 0 && --remaining[j] == 0) ready.insert(j);
    }
  }
  if (order.size() == plugins.size()) return order;

  // Name one cycle: walk "needs" edges among unresolved plugins until a node repeats.
  std::vector<size_t> path;
  std::map<size_t, size_t> seen;
  size_t cur = 0;
  while (remaining[cur] == 0) ++cur;
  while (seen.count(cur) == 0) {
    seen[cur] = path.size();
    path.push_back(cur);
    for (size_t next : needs[cur]) {
      if (remaining[next] != 0) {
        cur = next;
        break;
      }
    }
  }
  std::string text;
  for (size_t k = seen[cur]; k < path.size(); ++k) text += plugins[path[k]].id + " -> ";
  text += plugins[cur].id;
  return fail("dependency cycle between plugins: " + text +
              " (each arrow: requires a service provided by)");
}

}  // namespace sgk
