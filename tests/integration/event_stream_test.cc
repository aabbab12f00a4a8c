// GET /api/events/stream: state on connect, live events with ids, replay from Last-Event-ID,
// the subscriber cap.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/eventually.h"
#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

using json = nlohmann::json;

int CountFrames(const std::string& text, const std::string& event) {
  int n = 0;
  for (size_t at = text.find("event: " + event + "\n"); at != std::string::npos;
       at = text.find("event: " + event + "\n", at + 1)) {
    ++n;
  }
  return n;
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class EventStream : public ::testing::Test {
 protected:
  EventStream() {
    std::ofstream(dir_ / "c.yaml") << "limits: {report_rate_per_client: 0, max_sse_clients: 2}\n";
    app_ = std::make_unique<SparkControl>(std::vector<std::string>{
        "--config", (dir_ / "c.yaml").string(), "--data-dir", (dir_ / "d").string()});
  }
  uint64_t Report(const std::string& source) {
    const Reply r = SendJson("POST", app_->url() + "/api/health-event",
                             R"({"service":"vllm","ok":true,"source":")" + source + "\"}");
    return json::parse(r.body)["id"];
  }
  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
};

TEST_F(EventStream, SendsStateThenLiveEvents) {
  // Post only once the stream is connected (it has sent its first state), so the event can
  // only arrive live, not from a replay.
  std::atomic<bool> connected{false};
  std::thread poster([&] {
    for (int i = 0; i < 500 && !connected; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    Report("live-client");
  });
  const std::string seen =
      ReadStream(app_->url() + "/api/events/stream", {}, 8000, [&](const std::string& s) {
        if (s.find("event: state") != std::string::npos) connected = true;
        return s.find("live-client") != std::string::npos;
      });
  poster.join();
  EXPECT_GE(CountFrames(seen, "state"), 1);
  EXPECT_EQ(Count(seen, "\"type\":\"report\""), 1) << seen;
  const auto data = seen.rfind("data: {\"id\":", seen.find("live-client"));
  ASSERT_NE(data, std::string::npos);
  const json event = json::parse(seen.substr(data + 6, seen.find('\n', data) - data - 6));
  EXPECT_EQ(event["source"], "live-client");
  EXPECT_NE(seen.find("id: " + std::to_string(event["id"].get<uint64_t>()) + "\n"),
            std::string::npos);
  // The state frame is the full /api/status.
  const auto state = seen.find("event: state\ndata: ");
  const json status =
      json::parse(seen.substr(state + 19, seen.find('\n', state + 19) - state - 19));
  EXPECT_TRUE(status.contains("services"));
  EXPECT_TRUE(status.contains("warnings"));
}

TEST_F(EventStream, ReplaysEverythingAfterLastEventId) {
  const uint64_t first = Report("a");
  Report("b");
  Report("c");
  const std::string seen = ReadStream(
      app_->url() + "/api/events/stream", {"Last-Event-ID: " + std::to_string(first)}, 5000,
      [](const std::string& s) { return s.find("event: state") != std::string::npos; });
  EXPECT_EQ(Count(seen, "\"type\":\"report\""), 2) << seen;
  EXPECT_EQ(seen.find("\"source\":\"a\""), std::string::npos);
  EXPECT_LT(seen.find("\"source\":\"b\""), seen.find("\"source\":\"c\""));
}

TEST_F(EventStream, TheSubscriberCapAnswers503) {
  std::atomic<bool> release{false};
  std::atomic<int> connected{0};
  auto hold = [&] {
    bool counted = false;
    ReadStream(app_->url() + "/api/events/stream", {}, 5000, [&](const std::string& s) {
      if (!counted && s.find(": connected") != std::string::npos) {
        counted = true;
        ++connected;
      }
      return release.load();
    });
  };
  std::thread a(hold), b(hold);
  EXPECT_TRUE(Eventually([&] { return connected == 2; })) << "the two streams did not connect";
  const Reply third = Http("GET", app_->url() + "/api/events/stream", "", {}, 2000);
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(json::parse(third.body)["error"]["code"], "overloaded");
  release = true;
  Report("wake");  // gives the held streams data, so their readers return
  a.join();
  b.join();
}

}  // namespace
}  // namespace spark::test
