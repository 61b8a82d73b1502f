// Webhook building blocks in process: the signature (known vectors), topic filters, the
// public-address policy, URL validation, config parsing and the public event shape.
#include <gtest/gtest.h>

#include <streamgate/plugin.hpp>

#include "net/address_policy.hpp"
#include "sql/util.hpp"
#include "webhook_config.hpp"
#include "webhook_event.hpp"
#include "webhook_signature.hpp"
#include "webhook_topics.hpp"
#include "webhook_url.hpp"

namespace {

using namespace sg::worker;
using nlohmann::json;

TEST(WebhookSignature, KnownVectors) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Computed with: printf '%s' '1700000000.<body>' | openssl dgst -sha256 -hmac '<secret>'
  EXPECT_EQ(signature_header("whsec_0123456789abcdef0123456789abcdef", 1700000000,
                             R"({"id":"1","topic":"content.created"})"),
            "t=1700000000,v1=48a7886177d410b966ddb14e82c2a7b083d3244eee39cfa82898dd23d1fa59d6");
}

TEST(WebhookSignature, GeneratedSecretsAreLongAndDistinct) {
  std::string a = generate_webhook_secret(), b = generate_webhook_secret();
  EXPECT_EQ(a.rfind("whsec_", 0), 0u);
  EXPECT_EQ(a.size(), 6u + 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef", 6), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(WebhookTopics, Matching) {
  std::vector<std::string> content = {"content.*"};
  EXPECT_TRUE(topic_matches(content, "content.created"));
  EXPECT_TRUE(topic_matches(content, "content.deleted"));
  EXPECT_FALSE(topic_matches(content, "contents.created"));
  EXPECT_FALSE(topic_matches(content, "transcode.completed"));
  EXPECT_TRUE(topic_matches({"*"}, "upload.failed"));
  EXPECT_TRUE(topic_matches({"upload.failed", "transcode.completed"}, "transcode.completed"));
  EXPECT_FALSE(topic_matches({"upload.failed"}, "upload.completed"));
  EXPECT_FALSE(topic_matches({}, "upload.completed"));
  // A prefix pattern matches whole segments only.
  EXPECT_FALSE(topic_matches({"content.*"}, "content"));
  EXPECT_FALSE(topic_matches({"upload.*"}, "uploads.x"));
}

TEST(WebhookTopics, FilterValidation) {
  auto ok = parse_topic_filter(json{"content.*", "upload.failed", "content.*"});
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok.value(), (std::vector<std::string>{"content.*", "upload.failed"}));
  EXPECT_TRUE(parse_topic_filter(json{"*"}));
  EXPECT_FALSE(parse_topic_filter(json::array()));
  EXPECT_FALSE(parse_topic_filter(json("content.*")));
  EXPECT_FALSE(parse_topic_filter(json{"content.exploded"}));
  EXPECT_FALSE(parse_topic_filter(json{"job.*"}));  // no webhook topic starts with job.
  EXPECT_FALSE(parse_topic_filter(json{"content"}));
  EXPECT_FALSE(parse_topic_filter(json{1}));
  EXPECT_FALSE(parse_topic_filter(json(std::vector<std::string>(33, "*"))));
}

struct AddressCase {
  const char* ip;
  bool is_public;
  const char* reason;  // expected reason (substring) when not public
};

TEST(WebhookAddressPolicy, Table) {
  const AddressCase cases[] = {
      {"8.8.8.8", true, ""},
      {"1.1.1.1", true, ""},
      {"93.184.216.34", true, ""},
      {"127.0.0.1", false, "loopback"},
      {"127.255.255.254", false, "loopback"},
      {"10.1.2.3", false, "private"},
      {"172.16.0.1", false, "private"},
      {"172.31.255.255", false, "private"},
      {"172.32.0.1", true, ""},
      {"192.168.1.1", false, "private"},
      {"169.254.169.254", false, "link-local"},  // cloud metadata service
      {"100.64.0.1", false, "shared"},
      {"0.0.0.0", false, "unspecified"},
      {"0.1.2.3", false, "unspecified"},
      {"224.0.0.1", false, "multicast"},
      {"239.255.255.250", false, "multicast"},
      {"255.255.255.255", false, "reserved"},
      {"240.0.0.1", false, "reserved"},
      {"192.0.2.1", false, "documentation"},
      {"198.51.100.7", false, "documentation"},
      {"203.0.113.9", false, "documentation"},
      {"198.18.0.1", false, "benchmarking"},
      {"192.0.0.8", false, "reserved"},
      {"2606:4700:4700::1111", true, ""},
      {"2001:4860:4860::8888", true, ""},
      {"::1", false, "loopback"},
      {"::", false, "unspecified"},
      {"fe80::1", false, "link-local"},
      {"fc00::1", false, "unique-local"},
      {"fd12:3456:789a::1", false, "unique-local"},
      {"ff02::1", false, "multicast"},
      {"fec0::1", false, "site-local"},
      {"2001:db8::1", false, "documentation"},
      {"2001::1", false, "reserved"},  // Teredo
      {"100::1", false, "reserved"},
      {"::ffff:127.0.0.1", false, "loopback"},  // IPv4-mapped
      {"::ffff:10.0.0.1", false, "private"},
      {"::ffff:8.8.8.8", true, ""},
      {"::127.0.0.1", false, "IPv4-compatible"},
      {"64:ff9b::a00:1", false, "private"},  // NAT64 of 10.0.0.1
      {"64:ff9b::808:808", true, ""},        // NAT64 of 8.8.8.8
      {"2002:7f00:1::1", false, "6to4 of a loopback"},
      {"2002:808:808::1", true, ""},
      {"4000::1", false, "reserved"},  // outside 2000::/3
  };
  for (const auto& c : cases) {
    auto ip = sg::net::parse_ip(c.ip);
    ASSERT_TRUE(ip) << c.ip;
    auto reason = sg::net::non_public_reason(*ip);
    EXPECT_EQ(!reason.has_value(), c.is_public) << c.ip << " reason " << reason.value_or("-");
    if (reason) {
      EXPECT_NE(reason->find(c.reason), std::string::npos) << c.ip << ": " << *reason;
    }
  }
  EXPECT_EQ(sg::net::to_string(*sg::net::parse_ip("::ffff:8.8.4.4")), "8.8.4.4");
  EXPECT_EQ(sg::net::to_string(*sg::net::parse_ip("2001:db8::1")), "2001:db8::1");
}

TEST(WebhookUrl, Accepted) {
  auto u = parse_webhook_url("https://Hooks.Example.com/in?x=1");
  ASSERT_TRUE(u) << u.error();
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/in?x=1");
  EXPECT_EQ(u->host_header, "hooks.example.com");
  EXPECT_FALSE(u->ip_literal);

  u = parse_webhook_url("http://127.0.0.1:8080");
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/");
  EXPECT_EQ(u->host_header, "127.0.0.1:8080");
  EXPECT_TRUE(u->ip_literal);

  u = parse_webhook_url("http://[2001:db8::1]:81/a");
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->host, "2001:db8::1");
  EXPECT_EQ(u->host_header, "[2001:db8::1]:81");
  EXPECT_TRUE(u->ip_literal);

  u = parse_webhook_url("HTTP://example.com?q");
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->target, "/?q");
}

TEST(WebhookUrl, Refused) {
  const char* bad[] = {
      "",
      "ftp://example.com/",
      "example.com/hook",
      "javascript:alert(1)",
      "http://user:pass@example.com/",
      "http://user@example.com/",
      "http://example.com/a b",
      "http://example.com/\x01",
      "http://example.com/#frag",
      "http:///path",
      "http://:80/",
      "http://example.com:0/",
      "http://example.com:65536/",
      "http://example.com:/",
      "http://example.com:8x/",
      "http://[::1/",
      "http://[not-ip]/",
      "http://-bad.example.com/",
      "http://exa_mple.com/",
      "http://1.2.3/",               // numeric host that is no valid address
      "http://0x7f.1/",              // inet_aton-style IPv4
      "http://ex\xc3\xa4mple.com/",  // non-ASCII (IDN must be punycode)
  };
  for (const char* b : bad) EXPECT_FALSE(parse_webhook_url(b)) << b;
  std::string long_url = "https://example.com/" + std::string(2048, 'a');
  auto r = parse_webhook_url(long_url);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("2048"), std::string::npos);
}

TEST(WebhookConfig, DefaultsAndGlobalEndpoints) {
  auto c = WebhooksConfig::from_json(json());
  EXPECT_TRUE(c.enabled);
  EXPECT_FALSE(c.allow_private_targets);
  EXPECT_EQ(c.timeout_ms, 10000);
  EXPECT_EQ(c.backoff_ms, (std::vector<int64_t>{10000, 30000, 120000, 600000, 3600000}));
  std::string secret(40, 's');
  c = WebhooksConfig::from_json(
      json{{"backoff_ms", {100, 1000}},
           {"endpoints",
            {{{"url", "https://ops.example.com/hook"}, {"topics", {"*"}}, {"secret", secret}}}}});
  ASSERT_EQ(c.endpoints.size(), 1u);
  EXPECT_EQ(c.endpoints[0].url.host, "ops.example.com");
  EXPECT_TRUE(sg::sql::is_uuid(c.endpoints[0].id));
  // Stable across parses, so delivery logs keep pointing at it after a restart.
  EXPECT_EQ(
      WebhooksConfig::from_json(
          json{
              {"endpoints",
               {{{"url", "https://ops.example.com/hook"}, {"topics", {"*"}}, {"secret", secret}}}}})
          .endpoints[0]
          .id,
      c.endpoints[0].id);
  // Backoff: the list, then its last entry as the cap, minus at most 10 % jitter.
  for (int attempt : {1, 2, 3, 9}) {
    int64_t d = c.backoff_after(attempt), nominal = attempt == 1 ? 100 : 1000;
    EXPECT_LE(d, nominal);
    EXPECT_GE(d, nominal - nominal / 10);
  }
}

void expect_config_error(const json& section, const std::string& fragment) {
  try {
    WebhooksConfig::from_json(section);
    ADD_FAILURE() << "accepted " << section.dump();
  } catch (const sg::Error& e) {
    EXPECT_EQ(e.status(), SG_ERR_INVALID);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(WebhookConfig, Errors) {
  json endpoint = {{"url", "https://ops.example.com/"}, {"topics", {"*"}}};
  expect_config_error({{"endpoints", {endpoint}}},
                      "plugins.worker.webhooks.endpoints[0].secret: missing or shorter than 32");
  endpoint["secret"] = "short";
  expect_config_error({{"endpoints", {endpoint}}}, "endpoints[0].secret: missing or shorter");
  endpoint["secret"] = std::string(32, 'x');
  endpoint["url"] = "https://u:p@ops.example.com/";
  expect_config_error({{"endpoints", {endpoint}}},
                      "endpoints[0].url: must not contain credentials");
  endpoint["url"] = "https://ops.example.com/";
  endpoint["topics"] = {"nope"};
  expect_config_error({{"endpoints", {endpoint}}}, "endpoints[0].topics");
  endpoint["topics"] = {"*"};
  endpoint["colour"] = "red";
  expect_config_error({{"endpoints", {endpoint}}}, "endpoints[0].colour: unknown key");
  expect_config_error({{"timeout_ms", 5}}, "plugins.worker.webhooks.timeout_ms");
  expect_config_error({{"backoff_ms", json::array()}}, "plugins.worker.webhooks.backoff_ms");
  expect_config_error({{"allow_private_targets", "yes"}}, "allow_private_targets");
  expect_config_error({{"retries", 3}}, "plugins.worker.webhooks.retries: unknown key");
}

TEST(WebhookEvent, PublicShape) {
  EventIds ids;
  std::string a = ids.next(1700000000000), b = ids.next(1700000000000), c = ids.next(1600000000000);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);  // never goes back, even when the clock does
  auto e = make_public_event(a, "upload.completed",
                             json{{"content_id", "c1"},
                                  {"owner", "0x1111111111111111111111111111111111111111"},
                                  {"path", "uploads/secret/file"},
                                  {"probe", {{"x", 1}}},
                                  {"size", 10}},
                             1700000000123);
  EXPECT_EQ(e.document["id"], a);
  EXPECT_EQ(e.document["topic"], "upload.completed");
  EXPECT_EQ(e.document["created_at"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(e.document["data"], (json{{"content_id", "c1"},
                                      {"owner", "0x1111111111111111111111111111111111111111"},
                                      {"size", 10}}));
  ASSERT_TRUE(e.owner);
  auto no_owner = make_public_event(b, "transcode.failed", json{{"content_id", "c1"}}, 0);
  EXPECT_FALSE(no_owner.owner);
}

}  // namespace
