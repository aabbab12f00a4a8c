// /api/status `recovery` and the answer of POST /api/recovery/{service}/resume (docs/api.md
// "Recovery"): one service's RecoveryStatus as JSON, and the map in the status document.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "exporter/time_format.h"
#include "web/status_json.h"

namespace spark {
namespace {

using nlohmann::json;

TEST(RecoveryJson, AWaitingServiceShowsItsAttemptsNextAttemptAndReason) {
  RecoveryStatus waiting;
  waiting.state = RecoveryState::kWaiting;
  waiting.attempts = 2;
  waiting.next_at = ParseRfc3339("2026-12-01T03:12:30.250Z");
  waiting.last_reason = "vllm_node exited 1 (EngineDeadError); relaunching qwen36, attempt 3 of 3";
  EXPECT_EQ(RecoveryJson(waiting), (json{{"state", "waiting"},
                                         {"attempts", 2},
                                         {"next_at", "2026-12-01T03:12:30.250Z"},
                                         {"last_reason", waiting.last_reason},
                                         {"job", nullptr}}));
}

TEST(RecoveryJson, NoReasonNoTimeAndNoJobAreNull) {
  const json off = RecoveryJson(RecoveryStatus{});
  EXPECT_EQ(off, (json{{"state", "off"},
                       {"attempts", 0},
                       {"next_at", nullptr},
                       {"last_reason", nullptr},
                       {"job", nullptr}}));
  RecoveryStatus recovering;
  recovering.state = RecoveryState::kRecovering;
  recovering.attempts = 1;
  recovering.job = "j12";
  EXPECT_EQ(RecoveryJson(recovering)["job"], "j12");
  EXPECT_EQ(RecoveryJson(recovering)["state"], "recovering");
}

TEST(RecoveryJson, EveryStateHasItsApiName) {
  std::vector<std::string> names;
  for (const RecoveryState state : kAllRecoveryStates) {
    RecoveryStatus status;
    status.state = state;
    names.push_back(RecoveryJson(status)["state"].get<std::string>());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"idle", "waiting", "recovering", "tripped", "off"}));
}

TEST(RecoveryJson, TheStatusDocumentMapsEveryServiceToItsRecovery) {
  Config config;
  ControlView control;
  control.update = json::object();
  control.recovery["vllm"].state = RecoveryState::kTripped;
  control.recovery["parakeet"].state = RecoveryState::kIdle;
  const json status = StatusJson(Snapshot{}, config, {}, control);
  ASSERT_TRUE(status["recovery"].is_object()) << status.dump();
  EXPECT_EQ(status["recovery"].size(), 2u);
  EXPECT_EQ(status["recovery"]["vllm"]["state"], "tripped");
  EXPECT_EQ(status["recovery"]["parakeet"]["state"], "idle");
  // Without a recovery loop (tests), the field is there and empty.
  EXPECT_EQ(StatusJson(Snapshot{}, config, {}, ControlView{})["recovery"], json::object());
}

}  // namespace
}  // namespace spark
