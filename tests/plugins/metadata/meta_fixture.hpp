// Process-level fixture for metadata: gateway + metadata + test identity + service client.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "db_backends.hpp"
#include "support.hpp"

namespace mtest {

using nlohmann::json;
inline const std::string kAlice = "0x1111111111111111111111111111111111111111";
inline const std::string kBob = "0x2222222222222222222222222222222222222222";

inline sgtest::Headers as(const std::string& addr) {
  return {{"Authorization", "Bearer test." + addr}, {"Content-Type", "application/json"}};
}
inline sgtest::Headers json_only() {
  return {{"Content-Type", "application/json"}};
}

inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  return pred();
}

template <typename B>
class MetaServer : public ::testing::Test {
 protected:
  void SetUp() override {
    SGDATA_REQUIRE_BACKEND(B);
    json db = std::string(B::kName) == "sqlite" ? json{{"driver", "sqlite"}} : B::section(dir_);
    server_ = std::make_unique<sgtest::StreamGateServer>(json{{"database", db}});
    server_->use_plugins({"gateway", "metadata", "test_identity", "test_metadata_client"});
    ASSERT_TRUE(server_->start());
    // The gateway listens before later plugins have registered routes; wait for the last.
    ASSERT_TRUE(eventually([&] { return req("POST", "/test-metadata/get", "x").status == 400; }))
        << server_->log();
  }
  sgtest::HttpResponse req(const std::string& m, const std::string& t, const std::string& body = "",
                           sgtest::Headers h = json_only()) {
    return server_->request(m, t, body, h);
  }
  json create(const std::string& owner, const json& body) {
    auto r = req("POST", "/api/v1/content", body.dump(), as(owner));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  sgtest::TempDir dir_{"sgmetasrv"};
  std::unique_ptr<sgtest::StreamGateServer> server_;
};

inline void expect_error(const sgtest::HttpResponse& r, int status, const std::string& code,
                         const std::string& field = "") {
  EXPECT_EQ(r.status, status) << r.body;
  auto j = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j["error"]["code"], code) << r.body;
  if (!field.empty()) {
    EXPECT_EQ(j["error"]["message"].get<std::string>().rfind(field + ":", 0), 0u) << r.body;
  }
}

}  // namespace mtest
