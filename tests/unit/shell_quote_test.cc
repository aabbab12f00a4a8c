// The one quoting function against hostile input, checked by running the quoted words through
// real shells (dash as /bin/sh, and bash, the Sparks' login shell) and comparing bytes.
#include "controller/shell_quote.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "controller/remote_names.h"
#include "controller/vllm_args.h"
#include "support/process.h"

namespace spark {
namespace {

using test::TempDir;

// Runs `script` with /bin/sh -c (popen) and returns its stdout bytes.
std::string RunSh(const std::string& script) {
  FILE* pipe = popen(script.c_str(), "r");
  if (pipe == nullptr) return "<popen failed>";
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

// Hostile words; the ones that would run something create files under `dir` (with shell
// builtins only: the scripts below run with an empty PATH, so nothing else can run at all).
std::vector<std::string> HostileWords(const std::filesystem::path& dir) {
  const std::string canary = (dir / "pwned").string();
  std::string all_bytes;
  for (int c = 1; c < 256; ++c) all_bytes += static_cast<char>(c);
  return {"x$(touch /tmp/pwned)",
          "x$(: > " + canary + ")",
          "a;reboot",
          "a; echo owned > " + canary,
          "`echo owned > " + canary + "`",
          "a && echo owned > " + canary,
          "a | echo owned > " + canary,
          "$(printf owned > " + canary + ")",
          "--help",
          "-n",
          "'",
          "''",
          "'\\''",
          "it's",
          "\"",
          "\\",
          "\\'",
          "$HOME",
          "${HOME}",
          "*",
          "~",
          "~/x",
          "a b  c",
          "line1\nline2",
          "\n",
          "tab\there",
          "!event",
          "{a,b}",
          "#comment",
          "ünïcødé 🙂 中文",
          "\x01\x1f\x7f",
          "",
          all_bytes,
          std::string(1000, '\'')};  // nested 3 times it stays below the 128 KiB argument limit
}

TEST(ShellQuote, HostileWordsArriveByteIdenticalAndRunNothing) {
  TempDir dir;
  for (const char* shell : {"/bin/sh", "/bin/bash"}) {
    for (const auto& word : HostileWords(dir.path())) {
      const std::string inner = "PATH=/nonexistent; printf '%s\\0' " + ShellQuote(word);
      const std::string got = RunSh(std::string(shell) + " -c " + ShellQuote(inner));
      EXPECT_EQ(got, word + '\0') << shell << " with word: " << word;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "pwned"));
}

TEST(ShellQuote, NestedLayersKeepWordsIntact) {
  TempDir dir;
  for (const auto& word : HostileWords(dir.path())) {
    const std::string inner = "PATH=/nonexistent; printf '%s\\0' " + ShellQuote(word);
    // popen's sh → sh -c → sh -c → printf: three shell layers, as ssh → bash -c → docker exec.
    EXPECT_EQ(RunSh(NestedShell(NestedShell(inner))), word + '\0') << word;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "pwned"));
}

TEST(ShellQuote, WordsForAJoiningScriptSurviveTheJoinAndItsShell) {
  TempDir dir;
  for (const char* shell : {"/bin/sh", "/bin/bash"}) {
    for (const auto& word : HostileWords(dir.path())) {
      // `run` does what launch-cluster.sh exec does: joins its arguments into one string and
      // runs that with bash -c.
      const std::vector<std::string> words = {"printf", "%s\\0", word};
      const std::string script =
          "run() { joined=\"$*\"; /bin/bash -c \"PATH=/nonexistent; $joined\"; }; run " +
          ShellJoinForReparse(words);
      EXPECT_EQ(RunSh(std::string(shell) + " -c " + ShellQuote(script)), word + '\0')
          << shell << " with word: " << word;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "pwned"));
  const std::vector<std::string> safe = {"vllm", "--port", "8888"};
  EXPECT_EQ(ShellJoinForReparse(safe), "vllm --port 8888");
  const std::vector<std::string> spaced = {"a b"};
  EXPECT_EQ(ShellJoinForReparse(spaced), R"(''\''a b'\''')");
}

TEST(RemoteDir, AcceptsAbsoluteAndHomeRelativeDirs) {
  for (const char* dir : {"/srv/magpie-cache", "~/spark-vllm-docker", "~/", "/", "/opt/a b",
                          "/srv/x..y", "~/.cache/magpie"}) {
    EXPECT_TRUE(ValidateRemoteDir(dir).ok()) << dir << ": " << ValidateRemoteDir(dir).message();
  }
  for (const char* dir : {"/srv/magpie-cache", "~/.cache/magpie", "/var/lib/magpie", "/home/u/x"}) {
    EXPECT_TRUE(ValidateChownDir(dir).ok()) << dir << ": " << ValidateChownDir(dir).message();
  }
}

TEST(RemoteDir, RefusesRelativeDotsControlCharsAndSystemDirsForChown) {
  for (const char* dir : {"", "relative", "~", "~user/x", "./x", "/a/../b", "~/..", "/srv/.",
                          "/srv/x\ny", "/srv/\x7f", "$(id)"}) {
    const Status s = ValidateRemoteDir(dir);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidField) << dir;
    EXPECT_EQ(s.field(), "dir") << dir;
    EXPECT_FALSE(ValidateChownDir(dir).ok()) << dir;
  }
  EXPECT_FALSE(ValidateRemoteDir(std::string(4097, 'a').insert(0, "/")).ok());
  for (const char* dir : {"/", "//", "~/", "~//", "/usr", "/usr/", "//usr//", "/etc", "/var",
                          "/home", "/home/spark", "/home/spark/", "/root", "/boot", "/opt"}) {
    EXPECT_TRUE(ValidateRemoteDir(dir).ok()) << dir;
    const Status s = ValidateChownDir(dir);
    EXPECT_FALSE(s.ok()) << dir;
    EXPECT_NE(s.message().find("chown -R is refused"), std::string::npos) << s.message();
  }
}

TEST(ContainerName, DockersRuleOnly) {
  for (const char* name : {"vllm_node", "parakeet", "a", "A.b-c_9"}) {
    EXPECT_TRUE(ValidateContainerName(name).ok()) << name;
  }
  for (const char* name :
       {"", "-a", "_a", ".a", "a b", "a;reboot", "x$(id)", "a/b", "a\nb", "ünï"}) {
    EXPECT_EQ(ValidateContainerName(name).field(), "container") << name;
  }
  EXPECT_TRUE(ValidateContainerName(std::string(128, 'a')).ok());
  EXPECT_FALSE(ValidateContainerName(std::string(129, 'a')).ok());
}

TEST(VllmArgs, TrustRemoteCodeOnlyWithTheOperatorsConsent) {
  const std::vector<std::string> args = {"--max-model-len", "4096", "--trust-remote-code"};
  const auto refused = ParseVllmArgs(args);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "args[2]");
  EXPECT_NE(refused.status().message().find("security.allow_trust_remote_code: true"),
            std::string::npos);
  const auto allowed = ParseVllmArgs(args, {.allow_trust_remote_code = true});
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_EQ(VllmArgWords(*allowed), args);
}

TEST(ShellQuote, SafeWordsStayReadable) {
  EXPECT_EQ(ShellQuote("vllm_node"), "vllm_node");
  EXPECT_EQ(ShellQuote("Qwen/Qwen3-0.6B"), "Qwen/Qwen3-0.6B");
  EXPECT_EQ(ShellQuote("--max-model-len"), "--max-model-len");
  EXPECT_EQ(ShellQuote("name=vllm_node"), "name=vllm_node");
  EXPECT_EQ(ShellQuote("{{.Names}} {{.Status}}"), "'{{.Names}} {{.Status}}'");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("~/x"), "'~/x'");
  const std::vector<std::string> words = {"docker", "logs", "a b"};
  EXPECT_EQ(ShellJoin(words), "docker logs 'a b'");
}

TEST(ShellQuote, PathKeepsTheLeadingTildeForTheRemoteHome) {
  EXPECT_EQ(ShellQuotePath("~/spark-vllm-docker"), "~/spark-vllm-docker");
  EXPECT_EQ(ShellQuotePath("~/my dir"), "~/'my dir'");
  EXPECT_EQ(ShellQuotePath("~"), "~");
  EXPECT_EQ(ShellQuotePath("~/"), "~/");
  EXPECT_EQ(ShellQuotePath("/opt/spark vllm"), "'/opt/spark vllm'");
  EXPECT_EQ(ShellQuotePath("~user/x"), "'~user/x'");
  EXPECT_EQ(ShellQuotePath("~/$(id)"), "~/'$(id)'");

  TempDir home;
  std::filesystem::create_directories(home / "my dir $(x)");
  const std::string script = "HOME=" + ShellQuote(home.path().string()) + "; cd " +
                             ShellQuotePath("~/my dir $(x)") + " && pwd";
  EXPECT_EQ(RunSh(script), (home / "my dir $(x)").string() + "\n");
}

TEST(HfRepo, AcceptsRealRepoIds) {
  for (const char* repo :
       {"Qwen/Qwen3-VL-30B-A3B-Instruct-FP8", "google/gemma-4-26B-A4B-it",
        "RedHatAI/Qwen3.6-35B-A3B-NVFP4", "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8",
        "Qwen/Qwen2.5-72B-Instruct", "gpt2", "a/b", "A_b/c.d-e_f", "_/_"}) {
    EXPECT_TRUE(ValidateHfRepo(repo).ok()) << repo;
  }
  EXPECT_TRUE(ValidateHfRepo("org/" + std::string(96, 'n')).ok());
}

TEST(HfRepo, RefusesEverythingElse) {
  for (const std::string& repo : std::vector<std::string>{"",
                                                          "x$(touch /tmp/pwned)",
                                                          "a;reboot",
                                                          "--help",
                                                          "'",
                                                          "a/b/c",
                                                          "org/",
                                                          "/name",
                                                          "a--b/c",
                                                          "a/b--c",
                                                          "a/..",
                                                          "a..b/c",
                                                          "a/b.git",
                                                          "-a/b",
                                                          "a/b-",
                                                          ".a/b",
                                                          "a b/c",
                                                          "ünï/x",
                                                          "a/b\n",
                                                          "a/b ",
                                                          "../etc",
                                                          "a/b;id",
                                                          "org/" + std::string(97, 'n')}) {
    const Status s = ValidateHfRepo(repo);
    EXPECT_FALSE(s.ok()) << repo;
    EXPECT_EQ(s.code(), ErrorCode::kInvalidField) << repo;
    EXPECT_EQ(s.field(), "hf_repo") << repo;
  }
}

TEST(VllmArgs, TokenizesWhatUsersType) {
  auto words = TokenizeArgs(
      "--max-model-len 32768  --override-generation-config '{\"temperature\": 0.7}'\n"
      "--chat-template \"a b\"");
  ASSERT_TRUE(words.ok());
  EXPECT_EQ(words.value(),
            (std::vector<std::string>{"--max-model-len", "32768", "--override-generation-config",
                                      "{\"temperature\": 0.7}", "--chat-template", "a b"}));
  EXPECT_TRUE(TokenizeArgs("").value().empty());
  EXPECT_EQ(TokenizeArgs("''").value(), std::vector<std::string>{""});
  EXPECT_EQ(TokenizeArgs("--x 'open").status().code(), ErrorCode::kInvalidField);
}

TEST(VllmArgs, AcceptsAllowedFlagsInBothForms) {
  const std::vector<std::string> args = {"--max-model-len",
                                         "32768",
                                         "--gpu-memory-utilization=0.85",
                                         "--enable-prefix-caching",
                                         "--seed",
                                         "-1",
                                         "--kv-cache-dtype",
                                         "fp8",
                                         "--load-format",
                                         "fastsafetensors",
                                         "--override-generation-config",
                                         "{\"temperature\": 0.7}"};
  auto flags = ParseVllmArgs(args);
  ASSERT_TRUE(flags.ok()) << flags.status().message();
  EXPECT_EQ(flags.value()[1], (VllmFlag{"--gpu-memory-utilization", "0.85"}));
  EXPECT_EQ(flags.value()[2], (VllmFlag{"--enable-prefix-caching", std::nullopt}));
  EXPECT_EQ(VllmArgWords(flags.value()),
            (std::vector<std::string>{"--max-model-len", "32768", "--gpu-memory-utilization",
                                      "0.85", "--enable-prefix-caching", "--seed", "-1",
                                      "--kv-cache-dtype", "fp8", "--load-format", "fastsafetensors",
                                      "--override-generation-config", "{\"temperature\": 0.7}"}));
}

TEST(VllmArgs, RefusesWhatIsNotOnTheList) {
  struct Case {
    std::vector<std::string> args;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{"--port", "9000"}, "args[0]"},
      {{"--host", "127.0.0.1"}, "args[0]"},
      {{"--tensor-parallel-size", "2"}, "args[0]"},
      {{"--served-model-name", "x"}, "args[0]"},
      {{"--api-key", "secret"}, "args[0]"},
      {{"--tool-parser-plugin", "/tmp/evil.py"}, "args[0]"},
      {{"-tp", "2"}, "args[0]"},
      {{"x$(touch /tmp/pwned)"}, "args[0]"},
      {{"a;reboot"}, "args[0]"},
      {{"--max-model-len", "--enforce-eager"}, "args[1]"},
      {{"--max-model-len"}, "args[0]"},
      {{"--max-model-len", "32k"}, "args[1]"},
      {{"--kv-cache-dtype", "--help"}, "args[1]"},
      {{"--kv-cache-dtype=--help"}, "args[0]"},
      {{"--enforce-eager", "x"}, "args[1]"},
      {{"--enforce-eager=true"}, "args[0]"},
      {{"--gpu-memory-utilization", "nan"}, "args[1]"},
      {{"--gpu-memory-utilization", "inf"}, "args[1]"},
      {{"--gpu-memory-utilization", "1e999"}, "args[1]"},
      {{"--gpu-memory-utilization", "0x1p-1"}, "args[1]"},
      {{"--tokenizer", "a\nb"}, "args[1]"},
      {{"--tokenizer", ""}, "args[1]"},
  };
  for (const auto& c : cases) {
    auto flags = ParseVllmArgs(c.args);
    ASSERT_FALSE(flags.ok()) << c.args[0];
    EXPECT_EQ(flags.status().code(), ErrorCode::kInvalidField);
    EXPECT_EQ(flags.status().field(), c.field) << c.args[0] << ": " << flags.status().message();
  }
}

}  // namespace
}  // namespace spark
