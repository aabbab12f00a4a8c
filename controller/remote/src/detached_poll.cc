#include "controller/detached_poll.h"

#include "controller/remote_executor.h"
#include "remote_words.h"

namespace spark {
namespace {

constexpr std::string_view kPollWord = "spark-control-poll";
constexpr std::string_view kPollEnd = "spark-control-poll-end";
constexpr uint64_t kMaxChunkBytes = 65536;
constexpr size_t kHeldPiece = LineSplitter::kMaxLine;

Status PollGarbled(const std::string& what) {
  return Status::Error(ErrorCode::kRemoteCommandFailed,
                       "the Spark's answer to a poll of the job's log " + what);
}

bool IsPollHeader(std::string_view line) {
  return line == kPollWord || (line.starts_with(kPollWord) && line.size() > kPollWord.size() &&
                               line[kPollWord.size()] == ' ');
}

// Fills `poll` from the header's key=value words; false when one is missing or unreadable.
bool ReadPollHeader(std::string_view header, DetachedPoll& poll) {
  std::optional<uint64_t> alive, size, next;
  bool status_seen = false;
  for (std::string_view word : SplitWords(header, 32)) {
    const size_t eq = word.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
    if (key == "alive") {
      alive = ParseCount(value);
    } else if (key == "size") {
      size = ParseCount(value);
    } else if (key == "next") {
      next = ParseCount(value);
    } else if (key == "status") {
      status_seen = true;
      const auto code = ParseCount(value);
      if (!value.empty() && (!code || *code > 255)) return false;
      poll.status = code ? std::optional<int>(static_cast<int>(*code)) : std::nullopt;
    } else if (key == "bytes") {
      poll.bytes = ParseCount(value);
      if (!value.empty() && !poll.bytes) return false;
    }
  }
  if (!alive || *alive > 1 || !size || !next || !status_seen) return false;
  poll.alive = *alive == 1;
  poll.size = *size;
  poll.next = *next;
  return true;
}

// The chunk's lines with the executor's 16 KiB pieces joined back.
std::vector<std::string> JoinPieces(const std::vector<std::string>& lines, size_t begin,
                                    size_t end) {
  std::vector<std::string> joined;
  bool continues = false;
  for (size_t i = begin; i < end; ++i) {
    if (continues) {
      joined.back() += lines[i];
    } else {
      joined.push_back(lines[i]);
    }
    continues = lines[i].size() == LineSplitter::kMaxLine;
  }
  return joined;
}

}  // namespace

Result<DetachedPoll> ParseDetachedPoll(const std::vector<std::string>& stdout_lines,
                                       uint64_t offset) {
  size_t header = 0;
  while (header < stdout_lines.size() && !IsPollHeader(stdout_lines[header])) ++header;
  if (header == stdout_lines.size()) return PollGarbled("has no header line");
  DetachedPoll poll;
  if (stdout_lines[header] == std::string(kPollWord) + " gone") {
    poll.gone = true;
    return poll;
  }
  if (!ReadPollHeader(stdout_lines[header], poll)) {
    return PollGarbled("has a garbled header: " + stdout_lines[header].substr(0, 200));
  }
  size_t end = stdout_lines.size();
  while (end > header + 1 && stdout_lines[end - 1] != kPollEnd) --end;
  if (end == header + 1) return PollGarbled("was cut short (no end line)");
  --end;  // the end line itself
  if (end == header + 1) return PollGarbled("has no carry line");
  if (poll.next < offset || poll.next - offset > kMaxChunkBytes || poll.size < poll.next) {
    return PollGarbled("gives an impossible chunk: offset " + std::to_string(offset) + ", next " +
                       std::to_string(poll.next) + ", size " + std::to_string(poll.size));
  }
  poll.lines = JoinPieces(stdout_lines, header + 1, end);
  poll.carry = std::move(poll.lines.back());
  poll.lines.pop_back();
  return poll;
}

Result<long> ParseDetachedStart(const std::vector<std::string>& stdout_lines) {
  for (const std::string& line : stdout_lines) {
    const auto words = SplitWords(line, 3);
    if (words.size() != 2 || words[0] != "spark-control-detached") continue;
    if (!words[1].starts_with("pid=")) continue;
    const auto pid = ParseCount(words[1].substr(4));
    if (pid && *pid > 1 && *pid <= 0x7fffffff) return static_cast<long>(*pid);
  }
  return Status::Error(ErrorCode::kRemoteCommandFailed,
                       "the Spark did not say which process runs the detached job "
                       "(no `spark-control-detached pid=P` line)");
}

std::vector<std::string> DetachedLog::Apply(const DetachedPoll& poll) {
  std::vector<std::string> complete;
  if (poll.gone || poll.next < offset_) return complete;
  for (const std::string& line : poll.lines) {
    held_ += line;
    if (!held_.empty()) complete.push_back(std::move(held_));
    held_.clear();
  }
  held_ += poll.carry;
  while (held_.size() >= kHeldPiece) {
    complete.push_back(held_.substr(0, kHeldPiece));
    held_.erase(0, kHeldPiece);
  }
  offset_ = poll.next;
  return complete;
}

std::string DetachedLog::Flush() {
  std::string rest = std::move(held_);
  held_.clear();
  return rest;
}

}  // namespace spark
