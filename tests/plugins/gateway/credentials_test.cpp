// The shared session-credential reader (include/streamgate/services/auth.hpp) that both the
// gateway and auth.so's refresh/logout use: RFC 6750/7235 Bearer rules, RFC 6265 cookies.
#include <gtest/gtest.h>

#include <streamgate/services/auth.hpp>

namespace cred = sg::credentials;

namespace {

std::string bearer(std::string_view authorization) {
  auto c = cred::from_authorization(authorization);
  if (c.source != cred::Source::kBearer || c.malformed) return "<refused>";
  return std::string(c.token);
}

std::string cookie(std::string_view header) {
  auto c = cred::from_cookie(header);
  if (c.source != cred::Source::kCookie || c.malformed) return "<none>";
  return std::string(c.token);
}

}  // namespace

TEST(Credentials, BearerSchemeIsCaseInsensitiveWithOneOrMoreSpaces) {
  EXPECT_EQ(bearer("Bearer abc.def-_~+/=="), "abc.def-_~+/==");
  EXPECT_EQ(bearer("bearer tok"), "tok");
  EXPECT_EQ(bearer("BEARER tok"), "tok");
  EXPECT_EQ(bearer("bEaReR tok"), "tok");
  EXPECT_EQ(bearer("Bearer   tok"), "tok");  // 1*SP
  // The field value's own leading/trailing OWS is not part of it (RFC 9110 5.5).
  EXPECT_EQ(bearer("  Bearer tok \t"), "tok");
}

TEST(Credentials, MalformedBearerIsRefused) {
  for (std::string_view bad :
       {"Bearer", "Bearer ", "Bearer tok junk", "Bearer tok,", "Bearer \"tok\"", "Bearer\ttok",
        "Bearer,tok", "Bearer to=k", "Bearer =", "Bearer t\x01k", "Bearer tok;x"}) {
    auto c = cred::from_authorization(bad);
    EXPECT_EQ(c.source, cred::Source::kBearer) << bad;
    EXPECT_TRUE(c.malformed) << bad;
    EXPECT_TRUE(c.token.empty()) << bad;
  }
}

TEST(Credentials, OtherSchemesAreNotSessionCredentials) {
  for (std::string_view other :
       {"Basic dXNlcjpwYXNz", "Bearerx tok", "Bearer-ish tok", "Token x"}) {
    auto c = cred::from_authorization(other);
    EXPECT_EQ(c.source, cred::Source::kOtherScheme) << other;
    EXPECT_FALSE(c.malformed) << other;
  }
  EXPECT_EQ(cred::from_authorization("").source, cred::Source::kNone);
  EXPECT_EQ(cred::from_authorization(" \t ").source, cred::Source::kNone);
}

TEST(Credentials, SessionCookieNameExactValueOptionallyQuoted) {
  EXPECT_EQ(cookie("sg_session=tok"), "tok");
  EXPECT_EQ(cookie("a=1; sg_session=cookie-tok; b=2"), "cookie-tok");
  EXPECT_EQ(cookie("a=1;sg_session=t"), "t");
  EXPECT_EQ(cookie("sg_session=\"q.tok\""), "q.tok");
  EXPECT_EQ(cookie("sg_session=first; sg_session=second"), "first");
  EXPECT_EQ(cookie("a=1"), "<none>");
  EXPECT_EQ(cookie("SG_SESSION=tok"), "<none>");   // names are case-sensitive
  EXPECT_EQ(cookie("sg_session =tok"), "<none>");  // no spaces inside a cookie-pair
  EXPECT_EQ(cookie("xsg_session=tok"), "<none>");
  // Present but not cookie-octets: malformed, never a token.
  for (std::string_view bad : {"sg_session=", "sg_session=a b", "sg_session=\"", "sg_session=a\\b",
                               "sg_session=\"a\"b\"", "sg_session=a,b"}) {
    auto c = cred::from_cookie(bad);
    EXPECT_EQ(c.source, cred::Source::kCookie) << bad;
    EXPECT_TRUE(c.malformed) << bad;
  }
}

TEST(Credentials, AuthorizationWinsOverTheCookie) {
  auto b = cred::session_credential("Bearer b", "sg_session=c");
  EXPECT_EQ(b.source, cred::Source::kBearer);
  EXPECT_EQ(b.token, "b");
  auto c = cred::session_credential("", "sg_session=c");
  EXPECT_EQ(c.source, cred::Source::kCookie);
  EXPECT_EQ(c.token, "c");
  // Another scheme is an explicit choice: the cookie is not read behind its back.
  auto other = cred::session_credential("Basic xyz", "sg_session=c");
  EXPECT_EQ(other.source, cred::Source::kOtherScheme);
  EXPECT_TRUE(other.token.empty());
  EXPECT_EQ(cred::session_credential("", "").source, cred::Source::kNone);
}
