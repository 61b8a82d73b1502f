// GET /api/v1/admin/routes lists what the plugins registered, for administrators only.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway_fixture.hpp"

TEST(GatewayRouteList, AdministratorsSeeEveryRegisteredRouteSorted) {
  gwtest::Gateway gw(nlohmann::json::object(), {"gateway", "test_routes", "test_identity"});
  ASSERT_TRUE(gw.start());
  const std::string admin = "0x52908400098527886E0F7030069857D2E4169EE7";
  auto res = gw.server->request("GET", "/api/v1/admin/routes", "",
                                {{"Authorization", "Bearer test-admin." + admin}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("Cache-Control"), "no-store");
  auto list = nlohmann::json::parse(res.body);
  ASSERT_TRUE(list.is_array());
  nlohmann::json hello, methods, self;
  std::string previous;
  for (const auto& r : list) {
    const std::string pattern = r["pattern"];
    EXPECT_LE(previous, pattern);
    previous = pattern;
    if (pattern == "/t/hello") hello = r;
    if (pattern == "/t/methods") methods = r;
    if (pattern == "/api/v1/admin/routes") self = r;
  }
  EXPECT_EQ(hello["methods"], nlohmann::json::array({"GET"}));
  EXPECT_EQ(methods["methods"], nlohmann::json::array({"GET", "DELETE"}));
  EXPECT_EQ(self["methods"], nlohmann::json::array({"GET"}));

  auto user = gw.server->request("GET", "/api/v1/admin/routes", "",
                                 {{"Authorization", "Bearer test." + admin}});
  EXPECT_EQ(user.status, 403);
  EXPECT_EQ(nlohmann::json::parse(user.body)["error"]["code"], "forbidden");
  EXPECT_EQ(gw.server->request("GET", "/api/v1/admin/routes").status, 403);
}
