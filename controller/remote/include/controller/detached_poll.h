#pragma once
// What a Spark answers about detached work (design of issue 14, markers `spark-control-detach`
// and `spark-control-poll`), and the job's log put back together across polls. The parsers
// are pure and thread-safe; garbled output is remote_command_failed with a sentence.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "exporter/status.h"

namespace spark {

// One poll of a detached job's directory.
struct DetachedPoll {
  bool gone = false;               // the job's directory does not exist (nothing else is set)
  bool alive = false;              // its process still runs
  std::optional<int> status;       // its exit code (0–255), once written
  uint64_t size = 0, next = 0;     // the log's size; where the next poll starts
  std::optional<uint64_t> bytes;   // bytes under the repo's blobs/ (polls with measure=1)
  std::vector<std::string> lines;  // the chunk's complete lines (`\r` already made `\n`)
  std::string carry;               // the chunk's unterminated end ("" when it ended in `\n`)
};

// The reply to a poll sent with `offset`: lines before the header are ignored, the chunk is
// everything between the header and the last `spark-control-poll-end` (lines of 16 KiB, the
// executor's pieces, are joined to what follows). remote_command_failed for a missing or
// garbled header, a missing end line, next < offset or next > offset + 65536, size < next.
Result<DetachedPoll> ParseDetachedPoll(const std::vector<std::string>& stdout_lines,
                                       uint64_t offset);

// The session leader's pid of `spark-control-detached pid=P` (P > 1); remote_command_failed
// when no such line is there.
Result<long> ParseDetachedStart(const std::vector<std::string>& stdout_lines);

// A detached job's log reassembled across polls: keeps the byte offset to poll from and the
// carry (an unterminated last line is held until its end arrives). A held line longer than
// 16 KiB is given out in 16 KiB pieces, so memory stays bounded. Not thread-safe (one owner:
// the job following the log).
class DetachedLog {
 public:
  // `offset` > 0 resumes a log already read up to there (a job re-attached after a restart).
  explicit DetachedLog(uint64_t offset = 0) : offset_(offset) {}

  // Where the next poll starts.
  uint64_t offset() const { return offset_; }
  // Takes in a poll sent with offset(); returns the log lines it completes, empty ones left
  // out. A gone directory or a poll that ends before offset() (a stale answer) changes nothing.
  std::vector<std::string> Apply(const DetachedPoll& poll);
  // The held partial line ("" when none), at the job's end; the log is then empty again.
  std::string Flush();

 private:
  uint64_t offset_ = 0;
  std::string held_;
};

}  // namespace spark
