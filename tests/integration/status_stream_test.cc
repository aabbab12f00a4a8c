// The `state` frames of GET /api/events/stream follow every owner of /api/status (SSH health,
// config) and survive text from outside that is not UTF-8; error codes the old string map did
// not know get their own status instead of a 500.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "support/http.h"
#include "support/process.h"
#include "support/silent_port.h"

namespace spark::test {
namespace {

using json = nlohmann::json;

// The data of every complete `state` frame in `text`, parsed.
std::vector<json> StateFrames(const std::string& text) {
  const std::string head = "event: state\ndata: ";
  std::vector<json> frames;
  for (size_t at = text.find(head); at != std::string::npos; at = text.find(head, at + 1)) {
    const size_t start = at + head.size();
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    frames.push_back(json::parse(text.substr(start, end - start), nullptr, false));
  }
  return frames;
}

class StatusStream : public ::testing::Test {
 protected:
  void Start(const std::string& yaml) {
    std::ofstream(dir_ / "c.yaml") << yaml;
    app_ = std::make_unique<SparkControl>(std::vector<std::string>{
        "--config", (dir_ / "c.yaml").string(), "--data-dir", (dir_ / "d").string()});
  }
  std::string Stream() const { return app_->url() + "/api/events/stream"; }
  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
};

TEST_F(StatusStream, AStateFrameCarriesTextThatIsNotUtf8AsReplacementCharacters) {
  // A data dir whose name is not UTF-8 holding an unreadable overlay: the start-up note that
  // names it reaches /api/status `warnings`. The old stream threw in dump() and ended at once.
  const std::filesystem::path data = dir_ / "d\xff\xfe";
  std::filesystem::create_directories(data);
  std::ofstream(data / "config.yaml") << "sparks: [unclosed\n";
  std::ofstream(dir_ / "c.yaml") << "probe: {interval_s: 3600, timeout_s: 1}\n";
  app_ = std::make_unique<SparkControl>(std::vector<std::string>{
      "--config", (dir_ / "c.yaml").string(), "--data-dir", data.string()});
  const std::string seen =
      ReadStream(Stream(), {}, 8000, [](const std::string& s) { return !StateFrames(s).empty(); });
  const auto frames = StateFrames(seen);
  ASSERT_FALSE(frames.empty()) << seen;
  ASSERT_FALSE(frames[0].is_discarded()) << seen;
  EXPECT_NE(frames[0]["warnings"].dump().find("d\xEF\xBF\xBD\xEF\xBF\xBD"), std::string::npos)
      << frames[0]["warnings"].dump();
}

TEST_F(StatusStream, AnSshHealthChangeAloneSendsAState) {
  // The poller stays quiet (one probe an hour, vLLM's address fixed), so only SSH health can
  // change the status: a Spark that accepts TCP and never speaks fails its heartbeat after the
  // 10 s connect timeout, well after the state the configuration change itself brought.
  const SilentPort silent;
  Start("probe: {interval_s: 3600, timeout_s: 1}\nvllm: {host: 127.0.0.1, port: 1}\n");
  bool changed = false;
  const std::string seen = ReadStream(Stream(), {}, 30000, [&](const std::string& s) {
    const auto frames = StateFrames(s);
    if (frames.empty()) return false;
    if (!changed) {
      changed = true;
      const Reply r = SendJson(
          "PUT", app_->url() + "/api/config",
          json{{"sparks", {{"spark1", {{"host", "127.0.0.1"}, {"port", silent.port()}}}}}}.dump());
      EXPECT_EQ(r.status, 200) << r.body;
    }
    return frames.back()["sparks"]["spark1"]["ssh_up"] == false;
  });
  const auto frames = StateFrames(seen);
  ASSERT_FALSE(frames.empty()) << seen;
  EXPECT_EQ(frames.back()["sparks"]["spark1"]["ssh_up"], false) << seen;
  EXPECT_EQ(frames.back()["sparks"]["spark1"]["ssh_error"]["code"], "ssh_unreachable");
}

TEST_F(StatusStream, AConfigChangeSendsAState) {
  Start("probe: {interval_s: 3600, timeout_s: 1}\nvllm: {port: 1}\n");
  bool changed = false;
  const std::string seen = ReadStream(Stream(), {}, 10000, [&](const std::string& s) {
    const auto frames = StateFrames(s);
    if (frames.empty()) return false;
    if (!changed) {
      changed = true;
      const Reply r = SendJson("PUT", app_->url() + "/api/config",
                               R"({"sparks": {"spark1": {"host": "127.0.0.9"}}})");
      EXPECT_EQ(r.status, 200) << r.body;
    }
    return frames.back()["sparks"]["spark1"]["host"] == "127.0.0.9";
  });
  const auto frames = StateFrames(seen);
  ASSERT_FALSE(frames.empty()) << seen;
  EXPECT_EQ(frames.back()["sparks"]["spark1"]["host"], "127.0.0.9") << seen;
}

TEST_F(StatusStream, AnIoErrorIsA503NotA500) {
  // DATA/ssh is a file, so the first-start key cannot be generated: io_error, which the old
  // string map did not know (500).
  std::filesystem::create_directories(dir_ / "d");
  std::ofstream(dir_ / "d" / "ssh") << "not a directory\n";
  Start("probe: {interval_s: 3600, timeout_s: 1}\n");
  Reply r;
  for (int i = 0; i < 200; ++i) {  // 404 while the key is being generated
    r = Get(app_->url() + "/api/ssh/public-key");
    if (r.status != 404) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(ErrorCode(r), "io_error") << r.body;
}

}  // namespace
}  // namespace spark::test
