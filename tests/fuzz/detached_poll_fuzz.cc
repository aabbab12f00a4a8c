// The answer to a poll of a detached job (ParseDetachedPoll) as the executor delivers it,
// then fed to the job's log (DetachedLog). The first line may be `offset N` (the offset the
// poll was sent with). A read poll never claims an impossible chunk; every byte of the chunk
// leaves the log exactly once, as a line or as the flushed rest; an error is
// remote_command_failed with a sentence.
#include "controller/detached_poll.h"
#include "fuzz_lines.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {

void FuzzDetachedPoll(std::string_view input) {
  std::vector<std::string> lines = ExecutorLines(input);
  uint64_t offset = 0;
  if (!lines.empty() && lines[0].starts_with("offset ")) {
    for (char c : lines[0].substr(7, 6)) offset = offset * 10 + static_cast<uint8_t>(c) % 10;
    lines.erase(lines.begin());
  }
  (void)ParseDetachedStart(lines);
  const auto poll = ParseDetachedPoll(lines, offset);
  if (!poll.ok()) {
    Require(poll.status().code() == ErrorCode::kRemoteCommandFailed,
            "unreadable poll output is remote_command_failed");
    Require(!poll.status().message().empty(), "an error has a sentence");
    return;
  }
  if (poll->gone) return;
  Require(poll->next >= offset && poll->next - offset <= 65536, "a chunk is at most 64 KiB");
  Require(poll->size >= poll->next, "a chunk ends within the log");
  Require(!poll->status || (*poll->status >= 0 && *poll->status <= 255), "an exit code");
  size_t chunk_bytes = poll->carry.size();
  for (const std::string& line : poll->lines) chunk_bytes += line.size();
  DetachedLog log(offset);
  const std::vector<std::string> out = log.Apply(*poll);
  Require(log.offset() == poll->next, "the log moves to where the next poll starts");
  size_t out_bytes = 0;
  for (const std::string& line : out) {
    Require(!line.empty(), "the log gives no empty line");
    out_bytes += line.size();
  }
  Require(out_bytes + log.Flush().size() == chunk_bytes, "every byte leaves the log once");
}

}  // namespace spark::fuzz
