#pragma once
// The demo's containers as `docker inspect` sees them, for the recovery's inspect line
// (recovery_commands.h: `: spark-control-inspect name=CONTAINER;`). Each known container has a
// state; a crash (the demo's POST /api/demo/crash) leaves it `exited` with its code, OOM flag
// and finish time, and vLLM's log with EngineDeadError. The Sparks booted long before. A
// container this does not know is `missing`. Thread-safe; hooks run outside the lock.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "demo/simulated_executor.h"
#include "exporter/clock.h"

namespace spark {

struct SimulatedContainer {
  std::string status = "running";  // running | exited
  int exit_code = 0;
  bool oom_killed = false;
  std::optional<WallTime> finished_at;  // nullopt: never finished (docker's zero time)
  bool engine_dead = false;             // EngineDeadError in the last lines of its log
};

class SimulatedContainers {
 public:
  // `names` run from the start; the Sparks booted `uptime` before now.
  SimulatedContainers(const Clock& clock, std::vector<std::string> names,
                      Duration uptime = std::chrono::hours(72));

  // Runs `hook` after each Crash of `name` / each Started of a crashed `name` (one each).
  void OnCrash(const std::string& name, std::function<void()> hook);
  void OnStart(const std::string& name, std::function<void()> hook);

  // The container runs (again); a crashed one's OnStart hook runs.
  void Started(const std::string& name);
  // It stopped cleanly (`docker stop`: 143).
  void Stopped(const std::string& name);
  // It died: exited `exit_code` now; runs the OnCrash hook. False for an unknown name.
  bool Crash(const std::string& name, int exit_code, bool oom_killed, bool engine_dead);
  std::optional<SimulatedContainer> Get(const std::string& name) const;

  // The inspect line's stdout for `name`; `engine_markers` adds the engine_dead line (vLLM).
  std::vector<std::string> InspectLines(const std::string& name, bool engine_markers) const;

 private:
  const Clock& clock_;
  const WallTime boot_;
  mutable std::mutex mu_;  // guards everything below
  std::map<std::string, SimulatedContainer> containers_;
  std::map<std::string, std::function<void()>> on_crash_, on_start_;
};

// Answers the inspect line from `containers`, and `docker start|restart NAME` of a container it
// knows (bringing it up once the command prints), after `latency`. Add after the other rules.
void AddContainerRules(SimulatedExecutor& executor, std::shared_ptr<SimulatedContainers> containers,
                       Duration latency = std::chrono::milliseconds(120));

}  // namespace spark
