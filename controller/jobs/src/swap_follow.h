#pragma once
// Private to the swap: follows vLLM's log after the launch until the model is served. Lines
// arrive on the executor's thread and go to a LogWatch; the job's thread looks at it every
// tick, follows the log again over a new session after a lost link, and gives up (stopping
// vLLM) on cancel, a silent log or the deadline. Used by one job thread; not shareable.

#include <memory>
#include <string>

#include "controller/command_builder.h"
#include "exporter/http_client.h"
#include "job_context.h"

namespace spark {

struct LogWatch;

// Stops what a swap that gave up left on the head (it would hold the GPUs' memory); runs even
// once the job is cancelled. A failed stop is logged, not returned: the swap's own error wins.
void StopHalfStarted(Controller::Context& ctx, const CommandBuilder& builder,
                     const std::string& head);

class LaunchFollower {
 public:
  // `launch_began` bounds the follow's `--since`; `deadline` is the swap's.
  LaunchFollower(Controller::Context& ctx, const CommandBuilder& builder, const SwapPlan& plan,
                 SteadyTime launch_began, SteadyTime deadline);
  ~LaunchFollower();  // cancels and waits for a follow still running
  LaunchFollower(const LaunchFollower&) = delete;
  LaunchFollower& operator=(const LaunchFollower&) = delete;

  // Ok once the log said ready and /health and /v1/models serve the plan's model (the follow
  // has ended then); else the swap's error: cancelled, engine_failed, silent_log, timeout or
  // the follow's own failure.
  Status FollowUntilReady();

 private:
  struct Look;  // what one tick saw in the log

  std::shared_ptr<RemoteRun> StartFollow();
  void EndFollow();
  Look LookAtLog();
  void AfterLostLink(SteadyTime now, const RemoteOutcome& ended, bool ready);
  Status AfterEnd(const RemoteOutcome& ended, bool ready);
  Status CheckWatchdogs(SteadyTime now, const Look& look);
  Status GiveUp(Status why);  // ends the follow, stops vLLM, returns `why`

  Controller::Context& ctx_;
  const CommandBuilder& builder_;
  const SwapPlan& plan_;
  const Clock& clock_;
  const SteadyTime launch_began_;
  const SteadyTime deadline_;
  const std::shared_ptr<LogWatch> watch_;
  std::shared_ptr<RemoteRun> follow_;
  SteadyTime next_follow_{};
  size_t lines_at_loss_ = SIZE_MAX;  // lines seen when the link was last reported lost
};

}  // namespace spark
