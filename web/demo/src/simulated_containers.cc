#include "demo/simulated_containers.h"

#include "demo/simulated_detached.h"
#include "exporter/time_format.h"

namespace spark {
namespace {

constexpr const char* kDockerZeroTime = "0001-01-01T00:00:00Z";

// The value of `name=` in the inspect marker, without quotes.
std::string InspectMarkerName(const RemoteCommand& command) {
  const auto marker = FindMarker(command.line, "inspect");
  if (!marker) return {};
  auto it = marker->keys.find("name");
  if (it == marker->keys.end()) return {};
  std::string name = it->second;
  std::erase(name, '\'');
  return name;
}

// The last word of a `docker start|restart NAME` line.
std::string DockerVerbTarget(const std::string& line) {
  std::string word = line.substr(line.find_last_of(' ') + 1);
  std::erase(word, '\'');
  return word;
}

}  // namespace

SimulatedContainers::SimulatedContainers(const Clock& clock, std::vector<std::string> names,
                                         Duration uptime)
    : clock_(clock),
      boot_(std::chrono::time_point_cast<WallTime::duration>(clock.WallNow() - uptime)) {
  for (std::string& name : names) containers_[std::move(name)] = {};
}

void SimulatedContainers::OnCrash(const std::string& name, std::function<void()> hook) {
  std::lock_guard lock(mu_);
  on_crash_[name] = std::move(hook);
}

void SimulatedContainers::OnStart(const std::string& name, std::function<void()> hook) {
  std::lock_guard lock(mu_);
  on_start_[name] = std::move(hook);
}

void SimulatedContainers::Started(const std::string& name) {
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    SimulatedContainer& c = containers_[name];
    if (c.status != "running" && on_start_.contains(name)) hook = on_start_[name];
    c = SimulatedContainer{};
  }
  if (hook) hook();
}

void SimulatedContainers::Stopped(const std::string& name) {
  std::lock_guard lock(mu_);
  SimulatedContainer& c = containers_[name];
  if (c.status != "running") return;  // a stop after a crash leaves the crash's record
  c = {"exited", 143, false, clock_.WallNow(), false};
}

bool SimulatedContainers::Crash(const std::string& name, int exit_code, bool oom_killed,
                                bool engine_dead) {
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    auto it = containers_.find(name);
    if (it == containers_.end()) return false;
    it->second = {"exited", exit_code, oom_killed, clock_.WallNow(), engine_dead};
    if (auto h = on_crash_.find(name); h != on_crash_.end()) hook = h->second;
  }
  if (hook) hook();
  return true;
}

std::optional<SimulatedContainer> SimulatedContainers::Get(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = containers_.find(name);
  if (it == containers_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> SimulatedContainers::InspectLines(const std::string& name,
                                                           bool engine_markers) const {
  std::vector<std::string> lines = {
      "boot " +
      std::to_string(
          std::chrono::duration_cast<std::chrono::seconds>(boot_.time_since_epoch()).count())};
  const auto container = Get(name);
  if (!container) {
    lines.push_back("container missing");
  } else {
    lines.push_back("container " + container->status + " " + std::to_string(container->exit_code) +
                    " " + (container->oom_killed ? "true" : "false") + " " +
                    (container->finished_at ? FormatRfc3339(*container->finished_at)
                                            : std::string(kDockerZeroTime)));
    if (engine_markers) lines.push_back(container->engine_dead ? "engine_dead 1" : "engine_dead 0");
  }
  lines.push_back("spark-control-inspect-end");
  return lines;
}

void AddContainerRules(SimulatedExecutor& executor, std::shared_ptr<SimulatedContainers> containers,
                       Duration latency) {
  executor.On(": spark-control-inspect", [containers, latency](const RemoteCommand& command) {
    // vLLM's line greps its log for the engine's death; a speech service's does not.
    const bool engine = command.line.find("EngineDeadError") != std::string::npos;
    SimulatedScript script =
        SimulatedScript::Print(containers->InspectLines(InspectMarkerName(command), engine));
    if (!script.lines.empty()) script.lines.front().delay = latency;
    return script;
  });
  for (const char* verb : {"docker start ", "docker restart "}) {
    executor.On(verb, [containers, latency](const RemoteCommand& command) {
      const std::string name = DockerVerbTarget(command.line);
      SimulatedScript script = SimulatedScript::Print({name}, latency * 5);
      if (containers->Get(name)) {
        script.lines.front().effect = [containers, name] { containers->Started(name); };
      }
      return script;
    });
  }
}

}  // namespace spark
