// The SSH link under a swap and the jobs' bounds, end to end (issue 10): a link lost while
// vLLM loads is followed again and the swap ends from what the Spark shows; confirming a host
// key never holds a request thread past its bound; a job's log stays bounded in bytes.
#include "support/silent_port.h"
#include "swap_fixture.h"

namespace spark::test {
namespace {

// The `line` events of a job log stream, decoded.
std::vector<json> LogLines(const std::string& stream) {
  std::vector<json> lines;
  std::istringstream in(stream);
  bool line_event = false;
  for (std::string text; std::getline(in, text);) {
    if (text.starts_with("event: ")) line_event = text == "event: line";
    if (line_event && text.starts_with("data: ")) lines.push_back(json::parse(text.substr(6)));
  }
  return lines;
}

size_t Count(const std::vector<json>& lines, const std::string& text) {
  return std::count_if(lines.begin(), lines.end(), [&](const json& line) {
    return line["text"].get<std::string>().find(text) != std::string::npos;
  });
}

class SwapLinkTest : public SwapTest {
 protected:
  std::string ReadLog(const std::string& id) {
    return ReadStream(Url("/api/jobs/" + id + "/log"), {}, 90000, [](const std::string& s) {
      return s.find("event: end") != std::string::npos;
    });
  }
};

TEST_F(SwapLinkTest, ALinkLostWhileLoadingIsFollowedAgainAndTheSwapSucceeds) {
  sshd_.SetFake("log_delay", "0.3");
  StartApp();
  TrustHost();
  const std::string id = Swap("qwen36");
  const auto until = std::chrono::steady_clock::now() + seconds(30);
  json job;
  while (std::chrono::steady_clock::now() < until) {
    job = json::parse(Get(Url("/api/jobs/" + id)).body);
    if (job["progress"]["phase"] == "loading" && job["progress"]["percent"].is_number() &&
        job["progress"]["percent"].get<double>() > 0) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_EQ(job["progress"]["phase"], "loading") << job.dump();
  ASSERT_GT(sshd_.KillSessions(), 0);
  // The container loads on without us; the fake vLLM serves once it runs.
  job = WaitJob(id);
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  const auto lines = LogLines(ReadLog(id));
  EXPECT_EQ(Count(lines, "lost the SSH link to spark1 while vLLM loads"), 1u);
  // The log is followed again from the same start: no line arrives twice.
  EXPECT_EQ(Count(lines, "Starting to load model"), 1u);
  EXPECT_EQ(Count(lines, "Loading safetensors checkpoint shards:  10% Completed"), 1u);
  EXPECT_EQ(Count(lines, "Application startup complete."), 1u);
  EXPECT_EQ(json::parse(Get(Url("/api/status")).body)["model"]["id"], "qwen36");
}

TEST_F(SwapLinkTest, ALinkLostWhileLoadingEndsTheSwapFromWhatTheSparkShows) {
  sshd_.SetFake("log_delay", "0.3");
  StartApp();
  TrustHost();
  const std::string id = Swap("qwen36");
  const auto until = std::chrono::steady_clock::now() + seconds(30);
  while (std::chrono::steady_clock::now() < until && !ContainerExists()) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_TRUE(ContainerExists());
  // The engine dies while the link is down: the log followed again says so.
  sshd_.SetFake("logs_mode", "engine_dead");
  ASSERT_GT(sshd_.KillSessions(), 0);
  const json job = WaitJob(id);
  EXPECT_EQ(job["state"], "failed");
  EXPECT_EQ(job["error"]["code"], "engine_failed") << job.dump();
}

TEST_F(SwapLinkTest, ConfirmingTheKeyOfASilentSparkAnswersWithinFiveSeconds) {
  const SilentPort silent;
  StartApp();
  const Reply put = SendJson("PUT", Url("/api/config"),
                             json{{"sparks", {{"spark1", {{"port", silent.port()}}}}}}.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  const auto start = std::chrono::steady_clock::now();
  const Reply r = Http("POST", Url("/api/ssh/known-hosts/spark1"),
                       json{{"fingerprint", sshd_.HostKeyFingerprint()}}.dump(),
                       {"Content-Type: application/json"}, 20000);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(ErrorCode(r), "ssh_unreachable") << r.body;
  ASSERT_TRUE(r.headers.contains("retry-after")) << r.body;
  EXPECT_EQ(r.headers.at("retry-after"), "5");
  EXPECT_LT(took, milliseconds(6500));
}

TEST_F(SwapLinkTest, AKnownHostsFileThatCannotBeWrittenIsAStorageFailure) {
  std::filesystem::create_directories(dir_ / "data/ssh/known_hosts");  // a directory: no rename
  StartApp();
  const Reply r = SendJson("POST", Url("/api/ssh/known-hosts/spark1"),
                           json{{"fingerprint", sshd_.HostKeyFingerprint()}}.dump());
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(ErrorCode(r), "storage_failed") << r.body;
}

TEST_F(SwapLinkTest, AJobLogIsBoundedInBytesWhateverTheRemoteCommandPrints) {
  // docker prints one 1 MiB line, then 6,000 lines of 600 bytes, and fails.
  std::string output(1 << 20, 'h');
  output += "\n";
  for (int i = 1; i <= 6000; ++i)
    output += "line " + std::to_string(i) + " " + std::string(590, 'x') + "\n";
  sshd_.SetFake("docker_fail", output);
  StartApp();
  TrustHost();
  const Reply r = SendJson("POST", Url("/api/services/parakeet/restart"), "");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["job"]["id"];
  EXPECT_EQ(WaitJob(id)["state"], "failed");
  const auto lines = LogLines(ReadLog(id));
  size_t bytes = 0;
  for (const auto& line : lines) {
    const std::string text = line["text"];
    EXPECT_LE(text.size(), 4096u) << text.substr(0, 80);
    bytes += text.size();
  }
  EXPECT_LE(bytes, (2u << 20) + 200);
  EXPECT_GT(bytes, 1u << 20);
  EXPECT_GE(Count(lines, "bytes cut)"), 1u);  // the huge line's pieces, each cut
  EXPECT_EQ(Count(lines, "lines not kept"), 1u);
  EXPECT_EQ(Count(lines, "line 6000 "), 1u);  // the newest lines stay
}

}  // namespace
}  // namespace spark::test
