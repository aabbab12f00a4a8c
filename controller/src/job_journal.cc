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

Status JobJournal::Open(const std::filesystem::path& path, WallTime now) {
  path_ = path;
  std::map<uint64_t, JobInfo> latest;
  size_t skipped = 0;
  // Beyond the default read cap: the file is compacted only at start, so a long run grows it.
  if (auto text = ReadFile(path, uint64_t{256} << 20); text.ok()) {
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const auto record = nlohmann::json::parse(line, nullptr, false);
      auto job = DecodeJob(record);
      if (!job || JobNumber(job->id) == 0) {
        ++skipped;
        continue;
      }
      last_id_ = std::max(last_id_, JobNumber(job->id));
      latest[JobNumber(job->id)] = std::move(*job);
    }
  }
  if (skipped > 0) {
    notes_.push_back(path.string() + ": skipped " + std::to_string(skipped) + " unreadable lines");
  }
  while (latest.size() > kKeep) latest.erase(latest.begin());

  std::vector<JobInfo> interrupted;
  for (auto& [number, job] : latest) {
    if (IsFinished(job.state)) continue;
    job.state = JobState::kFailed;
    job.ended_at = now;
    job.error = JobError{"interrupted",
                         "spark-control stopped while this job ran; check the cluster's state "
                         "before retrying",
                         job.error ? job.error->log_tail : std::vector<std::string>{}, ""};
    interrupted.push_back(job);
  }
  for (auto& [number, job] : latest) history_.push_back(job);

  if (std::filesystem::exists(path) && std::filesystem::file_size(path) > kCompactBytes) {
    std::string text;
    for (const auto& job : history_) text += EncodeJob(job).dump() + "\n";
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
  if (!file_.is_open()) return Status::Error("storage_failed", "jobs.jsonl is not open");
  return file_.Append(EncodeJob(job).dump(-1, ' ', false,
                                          nlohmann::json::error_handler_t::replace));
}

}  // namespace spark
