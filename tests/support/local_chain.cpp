#include "local_chain.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ports.hpp"

namespace sgtest {

namespace {
std::string& reason() {
  static std::string r;
  return r;
}
bool have_node() {
  return std::system("node --version > /dev/null 2>&1") == 0;
}
}  // namespace

const std::string& LocalChain::skip_reason() {
  return reason();
}

std::shared_ptr<LocalChain> LocalChain::start() {
  namespace fs = std::filesystem;
  fs::path node_dir = SG_TEST_NODE_DIR;
  if (!have_node()) {
    reason() = "node is not installed: chain tests skipped (CI installs node and npm)";
    return nullptr;
  }
  if (!fs::exists(node_dir / "node_modules" / "ganache") &&
      std::system(("cd '" + node_dir.string() +
                   "' && npm ci --no-audit --no-fund --loglevel=error > /dev/null 2>&1")
                      .c_str()) != 0) {
    reason() = "npm clients are not installed and `npm ci` failed: chain tests skipped";
    return nullptr;
  }
  auto chain = std::shared_ptr<LocalChain>(new LocalChain());
  chain->dir_ = std::make_unique<TempDir>("sg-chain");
  chain->port_ = free_port();
  fs::path out = chain->dir_->path() / "deployment.json";
  chain->process_ = Process::spawn({"node", (node_dir / "auth-chain.js").string(), "--port",
                                    std::to_string(chain->port_), "--out", out.string()},
                                   {}, chain->dir_->path() / "chain.log");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(out)) {
    if (!chain->process_.running() || std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "local chain did not start:\n"
                    << read_file(chain->dir_->path() / "chain.log");
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the file is written in one call
  std::ifstream in(out);
  chain->deployment_ = nlohmann::json::parse(in);
  return chain;
}

std::shared_ptr<LocalChain> shared_chain() {
  static std::shared_ptr<LocalChain> chain = LocalChain::start();
  return chain;
}

}  // namespace sgtest
