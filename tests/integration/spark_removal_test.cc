// A Spark removed from the configuration stops its SSH worker: the thread is joined when
// Reconfigure returns (counted in /proc/self/task), its running command ends `cancelled`,
// and through PUT /api/config the real binary's thread count returns to where it was.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "controller/ssh_executor.h"
#include "support/eventually.h"
#include "support/http.h"
#include "support/process.h"
#include "support/sshd.h"

namespace spark {
namespace {

using test::Eventually;

using std::chrono::seconds;
namespace fs = std::filesystem;

size_t Threads(const std::string& pid = "self") {
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/" + pid + "/task", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

SshSettings Unconfigured(std::initializer_list<const char*> names) {
  SshSettings settings;
  for (const char* name : names) settings.sparks[name] = std::nullopt;
  settings.key_path = "/nonexistent/key";
  settings.known_hosts = "/nonexistent/known_hosts";
  return settings;
}

TEST(SparkRemoval, ARemovedSparkHasItsWorkerThreadJoined) {
  const SystemClock clock;
  const size_t before = Threads();
  SshExecutor executor(Unconfigured({"spark1", "spark2", "spark3", "spark4"}), clock);
  EXPECT_EQ(Threads(), before + 4);
  executor.Reconfigure(Unconfigured({"spark1"}));
  EXPECT_EQ(Threads(), before + 1);  // joined before Reconfigure returned
  const auto gone = executor.Start({"spark3", "true", seconds(5), {}})->Wait();
  EXPECT_EQ(gone.status.code(), ErrorCode::kNotFound);
  executor.Reconfigure(Unconfigured({"spark1", "spark3"}));  // back: a fresh worker
  EXPECT_EQ(Threads(), before + 2);
}

TEST(SparkRemoval, ARunningCommandOfARemovedSparkEndsCancelled) {
  test::Sshd sshd;
  test::TempDir data;
  SshSettings settings;
  settings.sparks["spark1"] = SshLogin{"127.0.0.1", sshd.user(), sshd.port()};
  settings.key_path = sshd.client_key();
  settings.known_hosts = data / "known_hosts";
  settings.connect_timeout = seconds(5);
  const SystemClock clock;
  SshExecutor executor(settings, clock);
  ASSERT_TRUE(executor.ConfirmHostKey("spark1", sshd.HostKeyFingerprint(), seconds(10)).ok());
  std::atomic<bool> started{false};
  auto run = executor.Start({"spark1", "echo up; sleep 30", seconds(60),
                             [&](RemoteStream, std::string_view) { started = true; }});
  ASSERT_TRUE(Eventually([&] { return started.load(); }, std::chrono::milliseconds(10000)))
      << sshd.Log();
  const size_t with_worker = Threads();
  const auto start = std::chrono::steady_clock::now();
  executor.Reconfigure(SshSettings{{}, settings.key_path, settings.known_hosts});
  const auto outcome = run->WaitFor(seconds(5));
  ASSERT_TRUE(outcome.has_value()) << "the command of a removed Spark kept running";
  EXPECT_EQ(outcome->status.code(), ErrorCode::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
  EXPECT_LT(Threads(), with_worker);
}

TEST(SparkRemoval, SparksAddedAndRemovedThroughPutLeaveNoThreadBehind) {
  test::TempDir data;
  test::SparkControl app({"--data-dir", data.path().string()});
  const std::string pid = std::to_string(app.process().pid());
  // Settled: the first-start key generation (a thread of its own) has finished.
  ASSERT_TRUE(Eventually([&] { return test::Get(app.url() + "/api/ssh/public-key").status == 200; },
                         std::chrono::milliseconds(10000)));
  const size_t baseline = Threads(pid);
  nlohmann::json added = nlohmann::json::object();
  for (int i = 3; i <= 8; ++i) added["spark" + std::to_string(i)] = {{"port", 22}};
  const test::Reply put =
      test::SendJson("PUT", app.url() + "/api/config", nlohmann::json{{"sparks", added}}.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_TRUE(
      Eventually([&] { return Threads(pid) >= baseline + 6; }, std::chrono::milliseconds(5000)))
      << Threads(pid) << " threads, baseline " << baseline;
  for (auto& [name, value] : added.items()) value = nullptr;
  const test::Reply removed =
      test::SendJson("PUT", app.url() + "/api/config", nlohmann::json{{"sparks", added}}.dump());
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_TRUE(Eventually([&] { return Threads(pid) <= baseline; }, std::chrono::milliseconds(5000)))
      << Threads(pid) << " threads, baseline " << baseline;
  // A ninth Spark is refused by the default cap.
  added = nlohmann::json::object();
  for (int i = 3; i <= 9; ++i) added["spark" + std::to_string(i)] = {{"port", 22}};
  const test::Reply capped =
      test::SendJson("PUT", app.url() + "/api/config", nlohmann::json{{"sparks", added}}.dump());
  EXPECT_EQ(capped.status, 400) << capped.body;
  EXPECT_EQ(test::ErrorField(capped), "sparks");
}

}  // namespace
}  // namespace spark
