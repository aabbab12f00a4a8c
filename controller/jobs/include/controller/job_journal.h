#pragma once
// DATA/jobs.jsonl: every job state change as one JSON line (API.md "Data dir"), appended with
// one write(2) before the change is published. On open, the last record of each job is
// the job's history; a job that was queued or running when the process stopped is recorded
// as failed with code `interrupted` (never shown as running forever) unless it has detached
// remote work (its owner follows that again and ends it either way), and ids continue
// after the highest one seen (records this version cannot decode count too). A file past
// kCompactBytes is rewritten atomically with the newest kKeep jobs. Not thread-safe: its owner
// (the Controller) serialises calls.

#include <filesystem>
#include <string>
#include <vector>

#include "controller/job.h"
#include "exporter/file_io.h"

namespace spark {

class JobJournal {
 public:
  static constexpr size_t kKeep = 200;
  static constexpr uint64_t kCompactBytes = 4 << 20;

  // Loads the history (newest last) and reopens the file for appending. A file that exists
  // but cannot be read, or cannot be opened, leaves an empty history, a note, and a journal
  // whose Record fails with storage_failed (so no job starts with an id that may be taken).
  Status Open(const std::filesystem::path& path, WallTime now);
  const std::vector<JobInfo>& history() const { return history_; }
  uint64_t last_id() const { return last_id_; }
  const std::vector<std::string>& notes() const { return notes_; }

  Status Record(const JobInfo& job);

 private:
  std::filesystem::path path_;
  AppendFile file_;
  std::vector<JobInfo> history_;
  uint64_t last_id_ = 0;
  std::vector<std::string> notes_;
};

// "j42" → 42; 0 for anything else.
uint64_t JobNumber(std::string_view id);

}  // namespace spark
