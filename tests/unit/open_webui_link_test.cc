#include "web/open_webui_link.h"

#include <gtest/gtest.h>

namespace spark {
namespace {

TEST(OpenWebUiLink, SelectsTheServedModelWithItsNameEncoded) {
  EXPECT_EQ(OpenWebUiLink("https://chat.lan/", "RedHatAI/Qwen3.6-35B-A3B-NVFP4"),
            "https://chat.lan/?models=RedHatAI%2FQwen3.6-35B-A3B-NVFP4");
  EXPECT_EQ(OpenWebUiLink("http://10.0.0.5:3000", "gemma 4 & co?"),
            "http://10.0.0.5:3000?models=gemma%204%20%26%20co%3F");
  EXPECT_EQ(OpenWebUiLink("https://chat.lan/", "mod\xC3\xA8le~_-."),
            "https://chat.lan/?models=mod%C3%A8le~_-.");
}

TEST(OpenWebUiLink, KeepsTheConfiguredQueryAndFragment) {
  EXPECT_EQ(OpenWebUiLink("https://chat.lan/?lang=de", "m"), "https://chat.lan/?lang=de&models=m");
  EXPECT_EQ(OpenWebUiLink("https://chat.lan/?", "m"), "https://chat.lan/?models=m");
  EXPECT_EQ(OpenWebUiLink("https://chat.lan/?a=1&", "m"), "https://chat.lan/?a=1&models=m");
  EXPECT_EQ(OpenWebUiLink("https://chat.lan/#/c", "m"), "https://chat.lan/?models=m#/c");
}

TEST(OpenWebUiLink, NeverShowsTheConfiguredUserInfo) {
  EXPECT_EQ(OpenWebUiLink("https://admin:hunter2@chat.lan:3000/", "m"),
            "https://chat.lan:3000/?models=m");
}

TEST(OpenWebUiLink, WithoutAServedModelItIsTheConfiguredUrl) {
  EXPECT_EQ(OpenWebUiLink("https://admin:pw@chat.lan/", std::nullopt), "https://chat.lan/");
  EXPECT_EQ(OpenWebUiLink("https://chat.lan/", std::string()), "https://chat.lan/");
}

}  // namespace
}  // namespace spark
