// The command line: what each spelling means, and what a mistake prints and exits with.
#include "web/cli_flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spark {
namespace {

std::variant<Flags, FlagsExit> Parse(std::vector<std::string> words) {
  words.insert(words.begin(), "spark-control");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return ParseFlags(static_cast<int>(words.size()), argv.data(), "1.2.3 (abc)");
}

Flags Ok(std::vector<std::string> words) {
  auto parsed = Parse(std::move(words));
  EXPECT_TRUE(std::holds_alternative<Flags>(parsed)) << std::get<FlagsExit>(parsed).err;
  return std::holds_alternative<Flags>(parsed) ? std::get<Flags>(parsed) : Flags{};
}

FlagsExit Exit(std::vector<std::string> words) {
  auto parsed = Parse(std::move(words));
  EXPECT_TRUE(std::holds_alternative<FlagsExit>(parsed));
  return std::holds_alternative<FlagsExit>(parsed) ? std::get<FlagsExit>(parsed) : FlagsExit{};
}

TEST(CliFlags, DefaultsWithoutArguments) {
  const Flags f = Ok({});
  EXPECT_EQ(f.listen, "0.0.0.0:9999");
  EXPECT_FALSE(f.demo);
  EXPECT_FALSE(f.config.has_value());
  EXPECT_FALSE(f.data_dir.has_value());
  EXPECT_EQ(f.log_level, LogLevel::kInfo);
}

TEST(CliFlags, BothSpellingsOfAValue) {
  const Flags f = Ok({"--config", "/etc/a.yaml", "--data-dir=/var/lib/x", "--listen=127.0.0.1:0",
                      "--demo", "--log-level", "debug"});
  EXPECT_EQ(f.config, "/etc/a.yaml");
  EXPECT_EQ(f.data_dir, "/var/lib/x");
  EXPECT_EQ(f.listen, "127.0.0.1:0");
  EXPECT_TRUE(f.demo);
  EXPECT_EQ(f.log_level, LogLevel::kDebug);
  // A value that looks like a flag is still the value.
  EXPECT_EQ(Ok({"--data-dir", "--demo"}).data_dir, "--demo");
}

TEST(CliFlags, HelpAndVersionPrintToStdoutAndExitZero) {
  const FlagsExit help = Exit({"--help"});
  EXPECT_EQ(help.code, kExitOk);
  EXPECT_NE(help.out.find("usage: spark-control"), std::string::npos);
  EXPECT_EQ(Exit({"-h"}).code, kExitOk);
  const FlagsExit version = Exit({"--version"});
  EXPECT_EQ(version.code, kExitOk);
  EXPECT_EQ(version.out, "spark-control 1.2.3 (abc)\n");
  EXPECT_TRUE(version.err.empty());
}

TEST(CliFlags, MistakesExitTwoNamingTheWord) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--no-such-flag"}, "unknown argument '--no-such-flag'"},
      {{"--listen"}, "--listen needs a value"},
      {{"--listen="}, "--listen needs a value"},
      {{"--data-dir", ""}, "--data-dir needs a value"},
      {{"--log-level", "loud"}, "--log-level must be debug, info, warn or error"},
      {{"stray"}, "unknown argument 'stray'"},
      {{"--demo=yes"}, "unknown argument '--demo=yes'"},
      {{"-x"}, "unknown argument '-x'"},
  };
  for (const auto& [words, reason] : cases) {
    const FlagsExit e = Exit(words);
    EXPECT_EQ(e.code, kExitUsage) << words.front();
    EXPECT_NE(e.err.find(reason), std::string::npos) << e.err;
    EXPECT_NE(e.err.find("usage:"), std::string::npos) << e.err;
    EXPECT_TRUE(e.out.empty());
  }
}

TEST(CliFlags, ParsesAgainAfterAnEarlierRun) {
  EXPECT_EQ(Exit({"--bogus"}).code, kExitUsage);
  EXPECT_EQ(Ok({"--listen", "127.0.0.1:1"}).listen, "127.0.0.1:1");
  EXPECT_EQ(Ok({"--listen", "127.0.0.1:2"}).listen, "127.0.0.1:2");
}

}  // namespace
}  // namespace spark
