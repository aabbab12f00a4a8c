#pragma once
// The remote commands a monitor's own thread has under way (CacheIndex, UpdateMonitor), so
// that the monitor's destructor cancels them at once instead of waiting out their deadlines.
// Thread-safe.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controller/command_builder.h"
#include "controller/remote_executor.h"

namespace spark {

class BackgroundRuns {
 public:
  explicit BackgroundRuns(RemoteExecutor& executor) : executor_(executor) {}
  BackgroundRuns(const BackgroundRuns&) = delete;
  BackgroundRuns& operator=(const BackgroundRuns&) = delete;

  // Runs `command` on `spark` to its end, collecting its lines; once stopped, it ends at once
  // (cancelled).
  CollectedOutput Collect(const std::string& spark, const RemoteCommandLine& command);
  // Forgets the runs that have ended (after a round that waited for all of them).
  void Clear();
  // Cancels every run under way and every later one.
  void Stop();

 private:
  std::shared_ptr<RemoteRun> Start(RemoteCommand command);

  RemoteExecutor& executor_;
  std::mutex mu_;  // guards the two below
  bool stopped_ = false;
  std::vector<std::shared_ptr<RemoteRun>> runs_;
};

}  // namespace spark
