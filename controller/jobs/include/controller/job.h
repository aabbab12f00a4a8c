#pragma once
// API.md's job object as a value, its bounded log, and their JSON forms. A job is one remote
// action (swap, service action, download, update) with a state machine:
// queued → running → succeeded | failed | cancelled.

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "exporter/clock.h"

namespace spark {

enum class JobKind { kSwap, kDownload, kUpdate, kService };
enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
// Who started a job: a user (an API call) or the self-healing loop (recovery).
enum class JobTrigger { kUser, kRecovery };

std::string_view JobKindName(JobKind kind);
std::string_view JobStateName(JobState state);
std::string_view JobTriggerName(JobTrigger trigger);  // user|recovery
bool IsFinished(JobState state);

struct JobProgress {
  // swap: reconciling|stopping|launching|loading|ready; download: downloading|copying (a cache
  // delete: deleting); service: running; update: pulling|building|copying (apply),
  // rolling_back|relaunching (rollback)
  std::string phase;
  std::optional<double> percent;  // 0–100 when known
  // Downloads (measured on disk): bytes so far and in all, rate over ~5 s, time left, and
  // whether no new byte came for a minute (with the seconds since the last one).
  std::optional<uint64_t> bytes_done;
  std::optional<uint64_t> bytes_total;
  std::optional<double> rate_bps;
  std::optional<double> eta_s;
  bool stalled = false;
  std::optional<double> stalled_s;
};

// Work that runs detached on a Spark (DetachedCommands): where, so that a restarted
// spark-control can follow it again.
struct RemoteWork {
  std::string spark;
  std::string dir;
  long pid = 0;
};

struct JobError {
  std::string code;  // API.md's job error codes
  std::string message;
  std::vector<std::string> log_tail;  // the last 50 log lines
  std::string fingerprint;            // host_key_unknown / host_key_mismatch
  // A launch that failed with engine_failed after an update: {"action": "rollback",
  // "update_job", "updated_at", "text"} (API.md "Updating spark-vllm-docker").
  std::optional<nlohmann::json> hint = {};
};

struct JobInfo {
  std::string id;       // "j42"; never reused within its cluster
  std::string cluster;  // the cluster it runs on
  JobKind kind = JobKind::kService;
  JobState state = JobState::kQueued;
  std::string target;  // model id, service name
  // service jobs: start|stop|restart|fix-cache-ownership; update: apply|rollback
  std::string action;
  WallTime started_at{};
  std::optional<WallTime> ended_at;
  JobProgress progress;
  std::optional<JobError> error;
  nlohmann::json result;   // null until a job has one
  nlohmann::json request;  // null, or what the job was asked (downloads: hf_repo, mode, revision)
  std::optional<RemoteWork> remote;        // detached work, once started
  JobTrigger trigger = JobTrigger::kUser;  // always encoded; a record without it: user
};

nlohmann::json EncodeJob(const JobInfo& job);
// The inverse of EncodeJob, for jobs.jsonl; nullopt for a record it cannot read.
std::optional<JobInfo> DecodeJob(const nlohmann::json& record);

enum class LogStream { kStdout, kStderr, kSystem };

struct JobLogLine {
  uint64_t seq = 0;  // 1, 2, …: the SSE replay position
  WallTime ts{};
  LogStream stream = LogStream::kStdout;
  std::string text;
};
nlohmann::json EncodeLogLine(const JobLogLine& line);

// A job's log, bounded (API.md): the first kHead and the last kTail lines are kept, and a
// `system` line marks the gap. Bounded in bytes too: a line keeps at most kMaxLineBytes of
// text (cut at a UTF-8 boundary, ending in "… (N bytes cut)"), and the kept lines hold at most
// kMaxBytes of text together (the tail's oldest lines go first). Not thread-safe: its job's
// owner serialises access.
class JobLog {
 public:
  static constexpr size_t kHead = 200;
  static constexpr size_t kTail = 5000;
  static constexpr size_t kMaxLineBytes = 4 * 1024;
  static constexpr size_t kMaxBytes = 2 * 1024 * 1024;

  void Append(WallTime ts, LogStream stream, std::string text);
  // The kept lines with seq > after, oldest first, the gap marker included where lines
  // were dropped.
  std::vector<JobLogLine> Since(uint64_t after) const;
  // The last `n` lines' texts (for an error's log_tail).
  std::vector<std::string> Tail(size_t n) const;
  uint64_t last_seq() const { return next_seq_ - 1; }
  // The text bytes of the kept lines (≤ kMaxBytes).
  size_t bytes() const { return bytes_; }

 private:
  std::vector<JobLogLine> head_;
  std::deque<JobLogLine> tail_;
  uint64_t dropped_ = 0;
  size_t bytes_ = 0;
  uint64_t next_seq_ = 1;
};

}  // namespace spark
