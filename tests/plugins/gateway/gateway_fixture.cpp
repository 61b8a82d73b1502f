#include "gateway_fixture.hpp"

#include <fstream>
#include <random>
#include <sstream>

namespace gwtest {

Gateway::Gateway(nlohmann::json gw, std::vector<std::string> ids)
    : gateway_config(std::move(gw)), plugins(std::move(ids)) {}

bool Gateway::start() {
  nlohmann::json overrides = {
      {"plugins",
       {{"gateway", {{"threads", 2}}}, {"test_routes", {{"files_dir", files.path().string()}}}}}};
  overrides["plugins"]["gateway"].merge_patch(gateway_config);
  overrides.merge_patch(extra_config);
  server = std::make_unique<sgtest::StreamGateServer>(overrides);
  server->use_plugins(plugins);
  return server->start();
}

std::filesystem::path Gateway::write_file(const std::string& name,
                                          const std::string& content) const {
  std::filesystem::path p = files.path() / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

std::uint64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream s(line.substr(6));
      std::uint64_t kib = 0;
      s >> kib;
      return kib;
    }
  }
  return 0;
}

std::string payload(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  std::mt19937 rng(seed);
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

}  // namespace gwtest
