// An in-process Kernel over a private plugin folder holding copies of chosen test plugins.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "kernel.hpp"
#include "support.hpp"

namespace kt {

inline std::filesystem::path plugin_file(const std::string& id) {
  return std::filesystem::path(KT_PLUGIN_DIR) / (id + ".so");
}

struct TestKernel {
  sgtest::TempDir dir{"sg-kernel"};
  std::unique_ptr<sgk::Kernel> kernel;

  // Copies <id>.so for each id into a fresh plugin folder; `extra_yaml` is appended to the
  // config (top-level sections other than server).
  explicit TestKernel(const std::vector<std::string>& ids, const std::string& extra_yaml = "",
                      int shutdown_timeout_ms = 5000) {
    auto plugins = dir.path() / "plugins";
    std::filesystem::create_directories(plugins);
    for (const auto& id : ids) std::filesystem::copy_file(plugin_file(id), plugins / (id + ".so"));
    std::string yaml = "server:\n  data_dir: " + (dir.path() / "data").string() +
                       "\n  plugin_dir: " + plugins.string() +
                       "\n  shutdown_timeout_ms: " + std::to_string(shutdown_timeout_ms) +
                       "\n  blocking_threads: 2\n" + extra_yaml;
    auto cfg = sgk::load_config_text(yaml, (dir.path() / "test.yaml").string(), {});
    if (!cfg.ok()) ADD_FAILURE() << cfg.error();
    kernel = std::make_unique<sgk::Kernel>(std::move(cfg).value());
  }
  sgk::Kernel* operator->() { return kernel.get(); }
};

}  // namespace kt
