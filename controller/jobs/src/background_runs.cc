#include "controller/background_runs.h"

namespace spark {

CollectedOutput BackgroundRuns::Collect(const std::string& spark,
                                        const RemoteCommandLine& command) {
  return RunCollecting({spark, command.line, command.timeout, {}},
                       [this](RemoteCommand c) { return Start(std::move(c))->Wait(); });
}

std::shared_ptr<RemoteRun> BackgroundRuns::Start(RemoteCommand command) {
  auto run = executor_.Start(std::move(command));
  std::lock_guard lock(mu_);
  if (stopped_) {
    run->Cancel();
  } else {
    runs_.push_back(run);
  }
  return run;
}

void BackgroundRuns::Clear() {
  std::lock_guard lock(mu_);
  runs_.clear();
}

void BackgroundRuns::Stop() {
  std::vector<std::shared_ptr<RemoteRun>> runs;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    runs.swap(runs_);
  }
  for (const auto& run : runs) run->Cancel();
}

}  // namespace spark
