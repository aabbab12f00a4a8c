#include "controller/job_journal.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <sstream>

namespace spark {

uint64_t JobNumber(std::string_view id) {
  if (id.size() < 2 || id[0] != 'j') return 0;
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(id.data() + 1, id.data() + id.size(), n);
  return ec == std::errc() && end == id.data() + id.size() ? n : 0;
}

namespace {

std::string RecordId(const nlohmann::json& record) {
  if (!record.is_object()) return "";
  const auto it = record.find("id");
  return it != record.end() && it->is_string() ? it->get<std::string>() : "";
}

// One line of jobs.jsonl; a remote's invalid UTF-8 in a message becomes U+FFFD, never a throw.
std::string JobLine(const JobInfo& job) {
  return EncodeJob(job).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Status JobJournal::Open(const std::filesystem::path& path, WallTime now) {
  path_ = path;
  std::map<uint64_t, JobInfo> latest;
  size_t skipped = 0;
  // Beyond the default read cap: the file is compacted only at start, so a long run grows it.
  auto stored = ReadFile(path, uint64_t{256} << 20);
  if (!stored.ok() && stored.status().code() != ErrorCode::kNotFound) {
    // Without the history, the next id is unknown: recording (and so starting) jobs is refused
    // rather than handing out an id that may already exist.
    notes_.push_back("job history cannot be read, so no job can start: " +
                     stored.status().message());
    return stored.status();
  }
  if (stored.ok()) {
    std::istringstream in(*stored);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const auto record = nlohmann::json::parse(line, nullptr, false);
      // A record this version cannot read still holds an id that must never come again.
      last_id_ = std::max(last_id_, JobNumber(RecordId(record)));
      auto job = DecodeJob(record);
      if (!job || JobNumber(job->id) == 0) {
        ++skipped;
        continue;
      }
      latest[JobNumber(job->id)] = std::move(*job);
    }
  }
  if (skipped > 0) {
    notes_.push_back(path.string() + ": skipped " + std::to_string(skipped) + " unreadable lines");
  }
  while (latest.size() > kKeep) latest.erase(latest.begin());

  std::vector<JobInfo> interrupted;
  for (auto& [number, job] : latest) {
    // Detached work (JobInfo.remote) may still run on its Spark: its owner follows it again.
    if (IsFinished(job.state) || job.remote) continue;
    job.state = JobState::kFailed;
    job.ended_at = now;
    job.error = JobError{std::string(ErrorCodeName(ErrorCode::kInterrupted)),
                         "spark-control stopped while this job ran; check the cluster's state "
                         "before retrying",
                         job.error ? job.error->log_tail : std::vector<std::string>{}, ""};
    interrupted.push_back(job);
  }
  for (auto& [number, job] : latest) history_.push_back(job);

  std::error_code ec;  // a path that is no file (a directory) must not throw out of here
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kCompactBytes) {
    std::string text;
    for (const auto& job : history_) text += JobLine(job) + "\n";
    if (Status s = WriteFileAtomic(path, text); !s.ok()) notes_.push_back(s.message());
    interrupted.clear();  // already written in their final state
  }
  if (Status s = file_.Open(path); !s.ok()) {
    notes_.push_back("job history will not be kept: " + s.message());
    return s;
  }
  for (const auto& job : interrupted) {
    if (Status s = Record(job); !s.ok()) return s;
  }
  return Status::Ok();
}

Status JobJournal::Record(const JobInfo& job) {
  if (!file_.is_open()) {
    return Status::Error(ErrorCode::kStorageFailed, path_.string() + " is not open for writing");
  }
  const Status s = file_.Append(JobLine(job));
  if (s.ok()) return s;
  return Status::Error(ErrorCode::kStorageFailed,
                       "cannot record job " + job.id + ": " + s.message());
}

}  // namespace spark
