// Process-level fixture: real streamgate processes (gateway + worker + test plugins) on a
// SQLite file or a shared PostgreSQL database.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "db_backends.hpp"
#include "support.hpp"

namespace wtest {

inline const std::string kAlice = "0x1111111111111111111111111111111111111111";
inline const std::string kBob = "0x2222222222222222222222222222222222222222";
inline sgtest::Headers as(const std::string& addr, bool admin = false) {
  return {{"Authorization", std::string("Bearer ") + (admin ? "test-admin." : "test.") + addr},
          {"Content-Type", "application/json"}};
}

inline size_t count_lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  size_t n = 0;
  for (std::string l; std::getline(in, l);) ++n;
  return n;
}

inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

// Starts the server and waits until the last plugin (test_jobs, which depends on worker)
// has registered its routes: the gateway accepts connections before later plugins start.
inline bool start_ready(sgtest::StreamGateServer& s) {
  if (!s.start()) return false;
  bool ok = eventually([&] { return s.request("POST", "/test-jobs/enqueue", "x").status == 400; },
                       std::chrono::seconds(20));
  EXPECT_TRUE(ok) << s.log();
  return ok;
}

// A server config using `database` (a "database" section) and a short lease.
inline std::unique_ptr<sgtest::StreamGateServer> make_server(const nlohmann::json& database,
                                                             nlohmann::json worker = {}) {
  nlohmann::json w = {{"lease_ms", 3000},
                      {"poll_ms", 50},
                      {"concurrency", 2},
                      {"retry_base_ms", 50},
                      {"retry_max_ms", 200}};
  if (worker.is_object()) w.merge_patch(worker);
  auto s = std::make_unique<sgtest::StreamGateServer>(
      nlohmann::json{{"database", database}, {"plugins", {{"worker", w}}}});
  s->use_plugins({"gateway", "worker", "test_jobs", "test_identity"});
  return s;
}

}  // namespace wtest
