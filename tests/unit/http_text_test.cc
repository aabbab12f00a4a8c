// Text the HTTP layer parses itself: the --listen address and URL-encoded query strings.
#include <gtest/gtest.h>

#include "web/http.h"
#include "web/http_server.h"

namespace spark {
namespace {

TEST(ListenAddress, AcceptsIpv4AndAPort) {
  for (const char* ok : {"0.0.0.0:9999", "127.0.0.1:0", "255.255.255.255:65535", "10.1.2.3:80"}) {
    EXPECT_TRUE(ValidateListenAddress(ok).ok()) << ok;
  }
}

TEST(ListenAddress, RefusesWithTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[::1]:9999", "IPv6 is not supported"},
      {"::1:9999", "IPv6 is not supported"},
      {"localhost:9999", "bad IPv4 address"},
      {"256.0.0.1:9999", "bad IPv4 address"},
      {"1.2.3:9999", "bad IPv4 address"},
      {":9999", "bad IPv4 address"},
      {"127.0.0.1", "expected IPv4ADDR:PORT"},
      {"127.0.0.1:", "bad port"},
      {"127.0.0.1:65536", "bad port"},
      {"127.0.0.1:-1", "bad port"},
      {"127.0.0.1:99999999999999999999", "bad port"},
      {"127.0.0.1:80x", "bad port"},
      {std::string(100000, '1') + ":1", "bad IPv4 address"},
  };
  for (const auto& [listen, why] : cases) {
    const Status s = ValidateListenAddress(listen);
    EXPECT_FALSE(s.ok()) << listen;
    EXPECT_EQ(s.code_name(), "invalid_listen") << listen;
    EXPECT_NE(s.message().find(why), std::string::npos)
        << listen.substr(0, 40) << ": " << s.message();
  }
}

TEST(UrlDecoding, FormRules) {
  EXPECT_EQ(UrlDecode("a+b%20c"), "a b c");
  EXPECT_EQ(UrlDecode("%41%42%43"), "ABC");
  EXPECT_EQ(UrlDecode("100%"), "100%");
  EXPECT_EQ(UrlDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(UrlDecode(""), "");
  EXPECT_EQ(UrlDecode("%00x"), std::string("\0x", 2));
}

TEST(UrlDecoding, QueryParametersAreDecodedByName) {
  Request request;
  request.query = "service=a%2Bb&limit=5&s%69nce=7&flag";
  std::string value;
  ASSERT_TRUE(request.Query("service", value));
  EXPECT_EQ(value, "a+b");
  ASSERT_TRUE(request.Query("since", value));
  EXPECT_EQ(value, "7");
  ASSERT_TRUE(request.Query("flag", value));
  EXPECT_EQ(value, "");
  EXPECT_FALSE(request.Query("type", value));
}

}  // namespace
}  // namespace spark
