// The Spark's answers about detached work (issue 14 design: `spark-control-detach` and
// `spark-control-poll`), and the log put back together across polls — including output a
// broken or hostile remote side could send.
#include "controller/detached_poll.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controller/remote_executor.h"

namespace spark {
namespace {

using Lines = std::vector<std::string>;

DetachedPoll PollOk(const Lines& lines, uint64_t offset) {
  auto poll = ParseDetachedPoll(lines, offset);
  EXPECT_TRUE(poll.ok()) << poll.status().message();
  return poll.ok() ? *poll : DetachedPoll{};
}

void ExpectGarbled(const Lines& lines, uint64_t offset, const std::string& says) {
  auto poll = ParseDetachedPoll(lines, offset);
  ASSERT_FALSE(poll.ok());
  EXPECT_EQ(poll.status().code(), ErrorCode::kRemoteCommandFailed);
  EXPECT_NE(poll.status().message().find(says), std::string::npos) << poll.status().message();
}

TEST(DetachedPoll, ReadsARunningJobsHeaderChunkAndCarry) {
  const DetachedPoll poll =
      PollOk({"spark-control-poll alive=1 status= size=120 next=52 bytes=4096", "Fetching 12 files",
              "model.safetensors:  10%", "partial li", "spark-control-poll-end"},
             10);
  EXPECT_FALSE(poll.gone);
  EXPECT_TRUE(poll.alive);
  EXPECT_EQ(poll.status, std::nullopt);
  EXPECT_EQ(poll.size, 120u);
  EXPECT_EQ(poll.next, 52u);
  EXPECT_EQ(poll.bytes, 4096u);
  EXPECT_EQ(poll.lines, (Lines{"Fetching 12 files", "model.safetensors:  10%"}));
  EXPECT_EQ(poll.carry, "partial li");
}

TEST(DetachedPoll, ReadsAnEndedJobWithoutMeasureAndAnEmptyChunk) {
  const DetachedPoll poll = PollOk(
      {"spark-control-poll alive=0 status=1 size=7 next=7 bytes=", "", "spark-control-poll-end"},
      7);
  EXPECT_FALSE(poll.alive);
  EXPECT_EQ(poll.status, 1);
  EXPECT_EQ(poll.bytes, std::nullopt);
  EXPECT_TRUE(poll.lines.empty());
  EXPECT_EQ(poll.carry, "");
}

TEST(DetachedPoll, AMissingDirectoryIsGone) {
  const DetachedPoll poll = PollOk({"spark-control-poll gone"}, 99);
  EXPECT_TRUE(poll.gone);
  EXPECT_FALSE(poll.alive);
}

TEST(DetachedPoll, IgnoresLinesBeforeTheHeaderAndTakesTheLastEndLine) {
  // A login banner before; the log itself printing the end marker inside the chunk.
  const DetachedPoll poll =
      PollOk({"Welcome to DGX OS",
              "spark-control-poll alive=1 status= "
              "size=40 next=40 bytes=",
              "spark-control-poll-end", "after", "", "spark-control-poll-end"},
             0);
  EXPECT_EQ(poll.lines, (Lines{"spark-control-poll-end", "after"}));
  EXPECT_EQ(poll.carry, "");
}

TEST(DetachedPoll, JoinsTheExecutorsSixteenKibPiecesBackIntoOneLine) {
  const std::string piece(LineSplitter::kMaxLine, 'x');
  const DetachedPoll poll =
      PollOk({"spark-control-poll alive=1 status= size=40000 next=40000 bytes=", piece, piece,
              "tail", piece, "", "spark-control-poll-end"},
             0);
  ASSERT_EQ(poll.lines.size(), 1u);
  EXPECT_EQ(poll.lines[0], piece + piece + "tail");
  EXPECT_EQ(poll.carry, piece);  // a carry of exactly 16 KiB ends in the empty piece
}

TEST(DetachedPoll, RefusesGarbledOrImpossibleAnswers) {
  const std::string ok_header = "spark-control-poll alive=1 status= size=100 next=60 bytes=";
  ExpectGarbled({}, 0, "no header");
  ExpectGarbled({"bash: line 1: tail: command not found"}, 0, "no header");
  ExpectGarbled({ok_header, "line"}, 0, "cut short");
  ExpectGarbled({ok_header}, 0, "cut short");
  ExpectGarbled({ok_header, "spark-control-poll-end"}, 0, "no carry");
  for (const std::string header :
       {"spark-control-poll alive=2 status= size=1 next=1 bytes=",
        "spark-control-poll alive=1 status= size=-1 next=1 bytes=",
        "spark-control-poll alive=1 status=x size=1 next=1 bytes=",
        "spark-control-poll alive=1 status=256 size=1 next=1 bytes=",
        "spark-control-poll alive=1 status= size=1 next=99999999999999999999999 bytes=",
        "spark-control-poll alive=1 status= size=1 next=1 bytes=1e9",
        "spark-control-poll alive=1 size=1 next=1", "spark-control-poll",
        "spark-control-poll gone now"}) {
    ExpectGarbled({header, "", "spark-control-poll-end"}, 0, "garbled header");
  }
  ExpectGarbled({ok_header, "", "spark-control-poll-end"}, 61,
                "impossible chunk");  // next < offset
  ExpectGarbled({"spark-control-poll alive=1 status= size=70000 next=65537 bytes=", "",
                 "spark-control-poll-end"},
                0, "impossible chunk");  // more than 64 KiB
  ExpectGarbled(
      {"spark-control-poll alive=1 status= size=5 next=6 bytes=", "", "spark-control-poll-end"}, 0,
      "impossible chunk");  // size < next
}

TEST(DetachedPoll, TheStartLineGivesTheSessionLeadersPid) {
  const auto pid = ParseDetachedStart({"noise", "spark-control-detached pid=4242"});
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(*pid, 4242);
  for (const Lines& bad :
       {Lines{}, Lines{"spark-control-detached pid=1"}, Lines{"spark-control-detached pid=0"},
        Lines{"spark-control-detached pid=-5"}, Lines{"spark-control-detached pid=12x"},
        Lines{"spark-control-detached pid=99999999999"}, Lines{"spark-control-detached"},
        Lines{"spark-control-detached 42"}}) {
    const auto refused = ParseDetachedStart(bad);
    ASSERT_FALSE(refused.ok()) << (bad.empty() ? "" : bad[0]);
    EXPECT_EQ(refused.status().code(), ErrorCode::kRemoteCommandFailed);
  }
}

DetachedPoll Chunk(uint64_t next, Lines lines, std::string carry) {
  DetachedPoll poll;
  poll.alive = true;
  poll.size = next;
  poll.next = next;
  poll.lines = std::move(lines);
  poll.carry = std::move(carry);
  return poll;
}

TEST(DetachedLog, HoldsAnUnterminatedLineUntilItsEndArrives) {
  DetachedLog log;
  EXPECT_EQ(log.offset(), 0u);
  EXPECT_EQ(log.Apply(Chunk(14, {"first"}, "sec")), (Lines{"first"}));
  EXPECT_EQ(log.offset(), 14u);
  EXPECT_EQ(log.Apply(Chunk(18, {}, "on")), Lines{});  // still no newline
  EXPECT_EQ(log.Apply(Chunk(30, {"d", "", "third"}, "")), (Lines{"second", "third"}));
  EXPECT_EQ(log.Apply(Chunk(35, {}, "last")), Lines{});
  EXPECT_EQ(log.Flush(), "last");
  EXPECT_EQ(log.Flush(), "");
  EXPECT_EQ(log.offset(), 35u);
}

TEST(DetachedLog, AGoneOrStaleAnswerChangesNothing) {
  DetachedLog log(100);
  EXPECT_EQ(log.offset(), 100u);
  EXPECT_EQ(log.Apply(Chunk(120, {}, "held")), Lines{});
  DetachedPoll gone;
  gone.gone = true;
  EXPECT_EQ(log.Apply(gone), Lines{});
  EXPECT_EQ(log.Apply(Chunk(90, {"old"}, "")), Lines{});
  EXPECT_EQ(log.offset(), 120u);
  EXPECT_EQ(log.Flush(), "held");
}

TEST(DetachedLog, AnEndlessLineComesOutInSixteenKibPieces) {
  DetachedLog log;
  const std::string chunk(65536, 'p');
  size_t out = 0;
  for (uint64_t i = 1; i <= 4; ++i) {
    for (const std::string& line : log.Apply(Chunk(i * 65536, {}, chunk))) {
      EXPECT_EQ(line.size(), LineSplitter::kMaxLine);
      out += line.size();
    }
  }
  EXPECT_EQ(out + log.Flush().size(), 4u * 65536u);
}

}  // namespace
}  // namespace spark
