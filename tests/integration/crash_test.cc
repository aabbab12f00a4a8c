// Crash matrix (issue 10): the real binary is SIGKILLed at seeded random moments while a load
// runs — health-event and diarization posts, PUT /api/config and PUT overrides writes, and
// swaps against Debian's sshd on loopback. After each restart on the same data dir (API.md
// "Data dir"): every 2xx-acknowledged event and config change is there, no file is torn,
// nothing was set aside as corrupt, job ids never repeat, the process serves.
// SPARK_CRASH_KILLS (default 20, ~1-2 s each) and SPARK_CRASH_SEED (default: from the clock)
// steer it; the seed is printed so a failing run can be replayed. bench/crash_loop runs 200.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "support/data_dir_check.h"
#include "support/fake_vllm.h"
#include "support/http.h"
#include "support/process.h"
#include "support/sshd.h"

namespace spark::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kOverriddenModel = "gemma4";  // the swaps run qwen36

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoull(value, nullptr, 10) : fallback;
}

json Parse(const std::string& text) { return json::parse(text, nullptr, false); }

// One writer's values, sent one at a time: after a crash the file may hold the last
// acknowledged value or any value sent after it (its answer may have been lost), nothing else.
class SequentialWrites {
 public:
  void Sent(double value) {
    std::lock_guard lock(mu_);
    pending_.push_back(value);
  }
  void Acknowledged(double value) {
    std::lock_guard lock(mu_);
    acked_ = value;
    pending_.clear();
    ++count_;
  }
  // `shown` is what the restarted process reports; `initial` the value before any write.
  bool Allowed(double shown, double initial) const {
    std::lock_guard lock(mu_);
    // YAML keeps them as text: equal within rounding.
    auto same = [shown](double v) { return std::abs(shown - v) < 1e-9; };
    if (same(acked_.value_or(initial))) return true;
    return std::any_of(pending_.begin(), pending_.end(), same);
  }
  std::string Describe() const {
    std::lock_guard lock(mu_);
    std::string text =
        "acknowledged " + (acked_ ? std::to_string(*acked_) : "nothing") + ", sent since:";
    for (double v : pending_) text += " " + std::to_string(v);
    return text;
  }
  int count() const {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  mutable std::mutex mu_;
  std::optional<double> acked_;
  std::vector<double> pending_;
  int count_ = 0;
};

// What the load was told: acknowledged events and jobs, and any answer that breaks the contract.
struct Ledger {
  std::mutex mu;
  std::map<uint64_t, std::string> events;  // id → the source it was posted with
  std::vector<std::string> jobs;           // acknowledged job ids, oldest first
  uint64_t highest_job = 0;
  std::vector<std::string> problems;
  SequentialWrites config;     // diarization.uncertain_below
  SequentialWrites overrides;  // gemma4's max_model_len

  void Problem(const std::string& what) {
    std::lock_guard lock(mu);
    if (problems.size() < 20) problems.push_back(what);
  }
};

uint64_t JobNumber(const std::string& id) {
  return id.size() > 1 && id[0] == 'j' ? std::strtoull(id.c_str() + 1, nullptr, 10) : 0;
}

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sshd_.SetFake("follow_s", "1");
    std::ofstream(dir_ / "spark-control.yaml")
        << sshd_.SparkConfig(vllm_.port()) << "limits: {report_rate_per_client: 0}\n";
  }

  std::filesystem::path data() const { return dir_ / "data"; }
  std::string Url(const std::string& path) const { return app_->url() + path; }

  void Start() {
    app_ = std::make_unique<SparkControl>(std::vector<std::string>{
        "--config", (dir_ / "spark-control.yaml").string(), "--data-dir", data().string()});
  }

  // --- the load: each loop runs until `stop_`, bounded in count; answers go to the ledger --
  void PostEvents(const std::string& url, const std::string& source) {
    const std::string body =
        json{{"service", "vllm"}, {"ok", true}, {"source", source}, {"ms", 1}}.dump();
    for (int i = 0; i < 100000 && !stop_; ++i) {
      const Reply r = SendJson("POST", url + "/api/health-event", body);
      if (r.status == 0) continue;
      const json reply = Parse(r.body);
      if (r.status != 202 || !reply.is_object() || !reply["id"].is_number_unsigned()) {
        ledger_.Problem("health-event answered " + std::to_string(r.status) + " " + r.body);
        continue;
      }
      const uint64_t id = reply["id"].get<uint64_t>();
      std::lock_guard lock(ledger_.mu);
      if (!ledger_.events.emplace(id, source).second) {
        ledger_.problems.push_back("event id " + std::to_string(id) + " acknowledged twice");
      }
    }
  }

  void PostDiarization(const std::string& url) {
    const std::string body = R"({"source":"crash","segments":[)"
                             R"({"start":0.0,"end":1.2,"speaker":"speaker_0","confidence":0.91}]})";
    for (int i = 0; i < 100000 && !stop_; ++i) {
      const Reply r = SendJson("POST", url + "/api/diarization", body);
      if (r.status != 0 && r.status != 200) {
        ledger_.Problem("diarization answered " + std::to_string(r.status) + " " + r.body);
      }
    }
  }

  // PUT, one at a time, values never sent before (so a stale one cannot pass as new).
  void Write(const std::string& url, const std::string& what, SequentialWrites& writes,
             const std::function<json(double)>& patch, double first, double step) {
    for (int i = 0; i < 100000 && !stop_; ++i) {
      const double value = first + step * static_cast<double>(next_write_++);
      writes.Sent(value);
      const Reply r = SendJson("PUT", url, patch(value).dump());
      if (r.status == 200) {
        writes.Acknowledged(value);
      } else if (r.status != 0) {
        ledger_.Problem(what + " answered " + std::to_string(r.status) + " " + r.body);
      }
    }
  }

  void Swaps(const std::string& url) {
    for (int i = 0; i < 1000 && !stop_; ++i) {
      const Reply r = SendJson("POST", url + "/api/swap", R"({"model":"qwen36"})");
      if (r.status == 0) continue;
      if (r.status == 409 && ErrorCode(r) == "swap_running") {  // one re-attached after a restart
        std::this_thread::sleep_for(milliseconds(100));
        continue;
      }
      const json reply = Parse(r.body);
      if (r.status != 202 || !reply.is_object() || !reply["job"].is_object()) {
        ledger_.Problem("swap answered " + std::to_string(r.status) + " " + r.body);
        continue;
      }
      const std::string id = reply["job"].value("id", "");
      {
        std::lock_guard lock(ledger_.mu);
        if (JobNumber(id) <= ledger_.highest_job) {
          ledger_.problems.push_back("job id " + id + " after j" +
                                     std::to_string(ledger_.highest_job));
        }
        ledger_.highest_job = std::max(ledger_.highest_job, JobNumber(id));
        ledger_.jobs.push_back(id);
      }
      // Until it ends (or the process dies): the next swap needs this one finished.
      for (int polls = 0; polls < 1200 && !stop_; ++polls) {
        const json job = Parse(Get(url + "/api/jobs/" + id).body);
        const std::string state = job.is_object() ? job.value("state", "") : "";
        if (state != "running" && state != "queued") break;
        std::this_thread::sleep_for(milliseconds(50));
      }
    }
  }

  // Runs the load against the current process; SIGKILLs it `kill_after` after the first
  // event of this round was acknowledged; returns when every load thread has ended.
  void LoadAndKill(int round, milliseconds kill_after) {
    const std::string url = app_->url();
    const std::string source = "crash-" + std::to_string(round);
    const size_t events_before = AcknowledgedEvents();
    stop_ = false;
    std::vector<std::thread> load;
    load.emplace_back([&] { PostEvents(url, source); });
    load.emplace_back([&] { PostEvents(url, source); });
    load.emplace_back([&] { PostDiarization(url); });
    load.emplace_back([&] {
      Write(
          url + "/api/config", "PUT /api/config", ledger_.config,
          [](double v) {
            return json{{"diarization", {{"uncertain_below", v}}}};
          },
          0.0, 1e-5);
    });
    load.emplace_back([&] {
      Write(
          url + "/api/models/" + kOverriddenModel + "/overrides", "PUT overrides",
          ledger_.overrides,
          [](double v) {
            return json{{"max_model_len", static_cast<int64_t>(v)}};
          },
          4096, 1);
    });
    load.emplace_back([&] { Swaps(url); });
    const auto until = SteadyClock::now() + seconds(10);
    while (AcknowledgedEvents() == events_before && SteadyClock::now() < until) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    std::this_thread::sleep_for(kill_after);  // the random moment
    EXPECT_EQ(app_->process().Stop(SIGKILL, 5000), 128 + SIGKILL);
    stop_ = true;
    for (auto& t : load) t.join();
  }

  size_t AcknowledgedEvents() {
    std::lock_guard lock(ledger_.mu);
    return ledger_.events.size();
  }

  // Every acknowledged event with an id ≥ `from` is served by the restarted process, unchanged.
  void ExpectEventsFrom(uint64_t from) {
    std::map<uint64_t, std::string> acked;
    {
      std::lock_guard lock(ledger_.mu);
      acked.insert(ledger_.events.lower_bound(from), ledger_.events.end());
    }
    if (acked.empty()) return;
    std::map<uint64_t, std::string> served;
    uint64_t since = acked.begin()->first - 1;
    for (int page = 0; page < 10000 && since < acked.rbegin()->first; ++page) {
      const json reply =
          Parse(Get(Url("/api/events?type=report&limit=1000&since=" + std::to_string(since))).body);
      ASSERT_TRUE(reply.is_object() && reply["events"].is_array()) << reply.dump();
      if (reply["events"].empty()) break;
      for (const auto& e : reply["events"]) served[e["id"].get<uint64_t>()] = e.value("source", "");
      since = reply["next"].get<uint64_t>();
    }
    size_t lost = 0;
    for (const auto& [id, source] : acked) {
      const auto it = served.find(id);
      if (it == served.end() || it->second != source) {
        if (++lost <= 5)
          ADD_FAILURE() << "acknowledged event " << id << " (" << source << ") is "
                        << (it == served.end() ? "missing" : "now " + it->second);
      }
    }
    EXPECT_EQ(lost, 0u) << "of " << acked.size() << " acknowledged events";
  }

  // What a restarted process must show (API.md "Data dir").
  void ExpectRecovered(uint64_t events_from, size_t jobs_from) {
    EXPECT_EQ(Get(Url("/healthz")).status, 200);
    EXPECT_EQ(Leftovers(data(), app_->process().pid()), std::vector<std::string>{});
    ExpectEventsFrom(events_from);
    const json config = Parse(Get(Url("/api/config")).body);
    const double below = config["diarization"]["uncertain_below"].get<double>();
    EXPECT_TRUE(ledger_.config.Allowed(below, 0.5)) << below << "; " << ledger_.config.Describe();
    const json models = Parse(Get(Url("/api/models")).body);
    double max_model_len = -1;
    for (const auto& m : models["models"]) {
      if (m["id"] == kOverriddenModel) max_model_len = m["overrides"].value("max_model_len", -1.0);
    }
    EXPECT_TRUE(ledger_.overrides.Allowed(max_model_len, -1))
        << max_model_len << "; " << ledger_.overrides.Describe();
    std::vector<std::string> jobs;
    {
      std::lock_guard lock(ledger_.mu);
      jobs.assign(ledger_.jobs.begin() + static_cast<std::ptrdiff_t>(jobs_from),
                  ledger_.jobs.end());
    }
    for (const auto& id : jobs) {
      const Reply r = Get(Url("/api/jobs/" + id));
      EXPECT_EQ(r.status, 200) << "acknowledged job " << id << " is gone: " << r.body;
      const std::string state = Parse(r.body).value("state", "");
      // Finished, or re-attached to a swap whose remote side still runs.
      EXPECT_NE(state, "queued") << r.body;
    }
  }

  Sshd sshd_;
  FakeVllm vllm_{sshd_.state() / "containers/vllm_node"};
  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
  Ledger ledger_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> next_write_{1};
};

TEST_F(CrashTest, EveryAcknowledgedWriteSurvivesSigkillAtRandomMoments) {
  const uint64_t kills = EnvNumber("SPARK_CRASH_KILLS", 20);
  const uint64_t seed = EnvNumber(
      "SPARK_CRASH_SEED", static_cast<uint64_t>(SteadyClock::now().time_since_epoch().count()));
  std::cout << "crash matrix: " << kills << " kills, SPARK_CRASH_SEED=" << seed << std::endl;
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> moment_ms(0, 1500);

  Start();
  ASSERT_EQ(SendJson("POST", Url("/api/ssh/known-hosts/spark1"),
                     json{{"fingerprint", sshd_.HostKeyFingerprint()}}.dump())
                .status,
            200)
      << sshd_.Log();
  uint64_t events_from = 0;
  size_t jobs_from = 0;
  for (uint64_t round = 1; round <= kills && !HasFatalFailure(); ++round) {
    const milliseconds kill_after(moment_ms(random));
    LoadAndKill(static_cast<int>(round), kill_after);
    // The process is dead: nothing may be half-written.
    EXPECT_EQ(TornFiles(data()), std::vector<std::string>{}) << "round " << round;
    Start();
    ExpectRecovered(events_from, jobs_from);
    std::lock_guard lock(ledger_.mu);
    std::cout << "round " << round << "/" << kills << ": killed " << kill_after.count()
              << " ms after the first report; so far " << ledger_.events.size() << " events, "
              << ledger_.config.count() << " config and " << ledger_.overrides.count()
              << " overrides writes, " << ledger_.jobs.size() << " swaps acknowledged" << std::endl;
    events_from = ledger_.events.empty() ? 0 : ledger_.events.rbegin()->first + 1;
    jobs_from = ledger_.jobs.size();
  }
  // The last process, once more over everything from the start.
  ExpectEventsFrom(0);
  EXPECT_EQ(ledger_.problems, std::vector<std::string>{});
  EXPECT_GT(ledger_.config.count(), 0);
  EXPECT_GT(ledger_.overrides.count(), 0);
  EXPECT_FALSE(ledger_.jobs.empty());
}

}  // namespace
}  // namespace spark::test
