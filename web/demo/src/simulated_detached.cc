// The demo's detached jobs: detach, poll and kill played from the marker statements, each job's
// work played by the DetachedPlay its body's marker picks (see simulated_detached.h).
#include "demo/simulated_detached.h"

#include <algorithm>
#include <cstdlib>

namespace spark {
namespace {

constexpr std::string_view kMarkerStart = ": spark-control-";
constexpr size_t kPollChunkBytes = 65536;

}  // namespace

std::optional<MarkerStatement> FindMarker(std::string_view line, std::string_view verb) {
  for (size_t at = line.find(kMarkerStart); at != std::string_view::npos;
       at = line.find(kMarkerStart, at + 1)) {
    const size_t start = at + kMarkerStart.size();
    const size_t end = std::min(line.find_first_of(";\n", start), line.size());
    std::string_view words = line.substr(start, end - start);
    const size_t space = std::min(words.find(' '), words.size());
    MarkerStatement marker{std::string(words.substr(0, space)), {}};
    if (!verb.empty() && marker.verb != verb) continue;
    words.remove_prefix(space);
    while (!words.empty()) {
      if (words.front() == ' ') {
        words.remove_prefix(1);
        continue;
      }
      const size_t next = std::min(words.find(' '), words.size());
      const std::string_view word = words.substr(0, next);
      const size_t eq = word.find('=');
      if (eq != std::string_view::npos) {
        marker.keys[std::string(word.substr(0, eq))] = std::string(word.substr(eq + 1));
      }
      words.remove_prefix(next);
    }
    return marker;
  }
  return std::nullopt;
}

std::vector<std::string> PollReplyLines(const PollState& state, std::string chunk) {
  std::replace(chunk.begin(), chunk.end(), '\r', '\n');
  const auto number = [](const auto& value) {
    return value ? std::to_string(*value) : std::string();
  };
  std::vector<std::string> lines = {
      "spark-control-poll alive=" + std::string(state.alive ? "1" : "0") +
      " status=" + number(state.status) + " size=" + std::to_string(state.size) +
      " next=" + std::to_string(state.next) + " bytes=" + number(state.bytes)};
  size_t start = 0;
  for (size_t nl = chunk.find('\n'); nl != std::string::npos; nl = chunk.find('\n', start)) {
    lines.push_back(chunk.substr(start, nl - start));
    start = nl + 1;
  }
  lines.push_back(chunk.substr(start));  // the carry
  lines.push_back("spark-control-poll-end");
  return lines;
}

void SimulatedDetachedJobs::AddPlay(std::string verb, DetachedPlayFactory factory) {
  std::lock_guard lock(mu_);
  factories_[std::move(verb)] = std::move(factory);
}

std::optional<std::vector<std::string>> SimulatedDetachedJobs::Answer(
    const RemoteCommand& command) {
  const auto marker = FindMarker(command.line);
  if (!marker) return std::nullopt;
  const auto key = [&](const char* name) {
    const auto it = marker->keys.find(name);
    return it == marker->keys.end() ? std::string() : it->second;
  };
  std::lock_guard lock(mu_);
  SettleLocked();
  if (marker->verb == "detach") return DetachLocked(command, key("dir"));
  if (marker->verb == "poll") return PollLocked(*marker);
  if (marker->verb != "kill") return std::nullopt;
  const auto it = jobs_.find(key("dir"));
  if (it == jobs_.end()) return std::vector<std::string>{"spark-control-killed pid=none"};
  Job& job = it->second;
  if (!FinishedLocked(job) && !job.killed) job.killed = clock_.Now();
  SettleLocked();
  return std::vector<std::string>{"spark-control-killed pid=" + std::to_string(job.pid)};
}

void SimulatedDetachedJobs::Settle() {
  std::lock_guard lock(mu_);
  SettleLocked();
}

// How far the job got: its clock stops at a kill, or where it stalls.
Duration SimulatedDetachedJobs::ElapsedLocked(const Job& job) const {
  const Duration at = (job.killed ? *job.killed : clock_.Now()) - job.started;
  const auto stall = job.play ? job.play->stalls_after() : std::nullopt;
  return stall ? std::min(at, *stall) : at;
}

bool SimulatedDetachedJobs::FinishedLocked(const Job& job) const {
  return !job.killed && (!job.play || ElapsedLocked(job) >= job.play->length());
}

void SimulatedDetachedJobs::SettleLocked() {
  for (auto& [dir, job] : jobs_) {
    if (job.settled || !job.play) continue;
    const bool last = job.killed || FinishedLocked(job);
    job.play->Advance(ElapsedLocked(job), last);
    job.settled = last;
  }
}

std::vector<std::string> SimulatedDetachedJobs::DetachLocked(const RemoteCommand& command,
                                                             const std::string& dir) {
  Job job;
  job.pid = next_pid_++;
  job.started = clock_.Now();
  for (const auto& [verb, factory] : factories_) {
    if (const auto body = FindMarker(command.line, verb)) {
      job.play = factory(command, *body);
      break;
    }
  }
  const int pid = job.pid;
  jobs_[dir] = std::move(job);
  return {"spark-control-detached pid=" + std::to_string(pid)};
}

std::vector<std::string> SimulatedDetachedJobs::PollLocked(const MarkerStatement& marker) const {
  const auto value = [&](const char* name) {
    const auto it = marker.keys.find(name);
    return it == marker.keys.end() ? std::string() : it->second;
  };
  const auto it = jobs_.find(value("dir"));
  if (it == jobs_.end()) return {"spark-control-poll gone"};
  const Job& job = it->second;
  std::string log;
  if (job.play) {
    const Duration at = ElapsedLocked(job);
    for (const auto& line : job.play->log()) {
      if (line.at <= at) log += line.text + "\n";
    }
  }
  const std::string offset = value("offset");
  const size_t from = std::min<size_t>(std::strtoull(offset.c_str(), nullptr, 10), log.size());
  const size_t next = std::min(log.size(), from + kPollChunkBytes);
  const bool ended = job.killed || FinishedLocked(job);
  std::optional<int> status;
  if (ended && !job.killed) status = job.play ? job.play->exit_code() : 0;
  std::optional<uint64_t> bytes;
  if (value("measure") == "1" && job.play) bytes = job.play->Measure();
  return PollReplyLines({!ended, status, log.size(), next, bytes}, log.substr(from, next - from));
}

void AddDetachedRules(SimulatedExecutor& executor, std::shared_ptr<SimulatedDetachedJobs> jobs,
                      Duration latency) {
  for (const char* verb : {"detach", "poll", "kill"}) {
    executor.On(std::string(kMarkerStart) + verb, [jobs, latency](const RemoteCommand& command) {
      const auto lines = jobs->Answer(command);
      if (!lines) return SimulatedScript{};
      SimulatedScript script = SimulatedScript::Print(*lines);
      if (!script.lines.empty()) script.lines.front().delay = latency;
      return script;
    });
  }
}

}  // namespace spark
