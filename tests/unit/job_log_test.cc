// Jobs as values: the bounded log and jobs.jsonl (interrupted jobs, ids across restarts).
#include <gtest/gtest.h>

#include <fstream>

#include "controller/job.h"
#include "controller/job_journal.h"
#include "support/process.h"

namespace spark {
namespace {

WallTime At(int s) { return WallTime(std::chrono::seconds(1'700'000'000 + s)); }

TEST(JobLog, KeepsTheFirstAndLastLinesAndMarksTheGap) {
  JobLog log;
  const size_t total = JobLog::kHead + JobLog::kTail + 300;
  for (size_t i = 1; i <= total; ++i) log.Append(At(0), LogStream::kStdout, std::to_string(i));
  const auto lines = log.Since(0);
  ASSERT_EQ(lines.size(), JobLog::kHead + 1 + JobLog::kTail);
  EXPECT_EQ(lines[JobLog::kHead - 1].text, std::to_string(JobLog::kHead));
  EXPECT_EQ(lines[JobLog::kHead].stream, LogStream::kSystem);
  EXPECT_NE(lines[JobLog::kHead].text.find("300 lines not kept"), std::string::npos);
  EXPECT_EQ(lines.back().text, std::to_string(total));
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_LT(lines[i - 1].seq, lines[i].seq);
  // Resuming after any seq never repeats a line.
  EXPECT_EQ(log.Since(lines[JobLog::kHead].seq).size(), JobLog::kTail);
  EXPECT_EQ(log.Since(total).size(), 0u);
  EXPECT_EQ(log.Tail(2), (std::vector<std::string>{std::to_string(total - 1), std::to_string(total)}));
}

TEST(JobLog, JobsRoundTripThroughJson) {
  JobInfo job;
  job.id = "j7";
  job.kind = JobKind::kSwap;
  job.state = JobState::kFailed;
  job.target = "qwen36";
  job.started_at = At(1);
  job.ended_at = At(9);
  job.progress = {"loading", 41.5};
  job.error = JobError{"host_key_unknown", "confirm it", {"a", "b"}, "SHA256:abc"};
  const auto back = DecodeJob(EncodeJob(job));
  ASSERT_TRUE(back);
  EXPECT_EQ(EncodeJob(*back), EncodeJob(job));
  EXPECT_FALSE(DecodeJob(nlohmann::json{{"id", "j1"}, {"kind", "dance"}}));
}

TEST(JobJournal, ARunningJobBecomesInterruptedAndIdsContinue) {
  test::TempDir dir;
  const auto path = dir / "jobs.jsonl";
  {
    JobJournal journal;
    ASSERT_TRUE(journal.Open(path, At(0)).ok());
    JobInfo job;
    job.id = "j41";
    job.state = JobState::kRunning;
    job.started_at = At(0);
    ASSERT_TRUE(journal.Record(job).ok());
    job.id = "j42";
    job.state = JobState::kSucceeded;
    ASSERT_TRUE(journal.Record(job).ok());
  }
  std::ofstream(path, std::ios::app) << "{\"id\":\"j43\",\"kind\":";  // torn by a crash
  JobJournal journal;
  ASSERT_TRUE(journal.Open(path, At(5)).ok());
  ASSERT_EQ(journal.history().size(), 2u);
  EXPECT_EQ(journal.history()[0].state, JobState::kFailed);
  EXPECT_EQ(journal.history()[0].error->code, "interrupted");
  EXPECT_EQ(journal.history()[1].state, JobState::kSucceeded);
  EXPECT_EQ(journal.last_id(), 42u);
  // The interrupted state is on disk too: a second restart sees the same.
  JobJournal again;
  ASSERT_TRUE(again.Open(path, At(9)).ok());
  EXPECT_EQ(again.history()[0].error->code, "interrupted");
  EXPECT_EQ(JobNumber("j12"), 12u);
  EXPECT_EQ(JobNumber("x12"), 0u);
  EXPECT_EQ(JobNumber("j1x"), 0u);
}

}  // namespace
}  // namespace spark
