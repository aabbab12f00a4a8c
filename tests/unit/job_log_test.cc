// Jobs as values: the bounded log and jobs.jsonl (interrupted jobs, ids across restarts).
#include <gtest/gtest.h>

#include <fstream>
#include <numeric>

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
  EXPECT_EQ(log.Tail(2),
            (std::vector<std::string>{std::to_string(total - 1), std::to_string(total)}));
}

TEST(JobLog, IsBoundedInBytesPerLineAndPerJob) {
  JobLog log;
  // One huge line (a progress bar without line ends, a base64 blob) is cut, at a character
  // boundary, and says how much went.
  std::string huge;
  for (int i = 0; i < 300'000; ++i) huge += "é";  // 2 bytes each
  log.Append(At(0), LogStream::kStdout, huge);
  const std::string kept = log.Since(0)[0].text;
  EXPECT_LE(kept.size(), JobLog::kMaxLineBytes);
  EXPECT_NE(kept.find("bytes cut)"), std::string::npos) << kept.substr(kept.size() - 40);
  EXPECT_TRUE(kept.starts_with("éé"));
  EXPECT_NO_THROW((void)nlohmann::json(kept).dump());  // still valid UTF-8
  // Many long lines: well below the line counts, the bytes bound keeps the newest lines.
  const std::string wide(JobLog::kMaxLineBytes - 10, 'x');
  for (int i = 1; i <= 3000; ++i) log.Append(At(1), LogStream::kStdout, std::to_string(i) + wide);
  const auto lines = log.Since(0);
  const size_t bytes =
      std::accumulate(lines.begin(), lines.end(), size_t{0},
                      [](size_t n, const JobLogLine& l) { return n + l.text.size(); });
  EXPECT_LE(bytes, JobLog::kMaxBytes + 100);  // + the gap marker
  EXPECT_LE(log.bytes(), JobLog::kMaxBytes);
  EXPECT_GT(log.bytes(), JobLog::kMaxBytes - JobLog::kMaxLineBytes);
  ASSERT_EQ(lines[JobLog::kHead].stream, LogStream::kSystem);
  EXPECT_NE(lines[JobLog::kHead].text.find("lines not kept"), std::string::npos);
  EXPECT_TRUE(lines.back().text.starts_with("3000x"));
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_LT(lines[i - 1].seq, lines[i].seq);
}

TEST(JobLog, JobsRoundTripThroughJson) {
  JobInfo job;
  job.id = "j7";
  job.kind = JobKind::kSwap;
  job.state = JobState::kFailed;
  job.target = "qwen36";
  job.started_at = At(1);
  job.ended_at = At(9);
  job.progress.phase = "loading";
  job.progress.percent = 41.5;
  job.error = JobError{"host_key_unknown", "confirm it", {"a", "b"}, "SHA256:abc"};
  const auto back = DecodeJob(EncodeJob(job));
  ASSERT_TRUE(back);
  EXPECT_EQ(EncodeJob(*back), EncodeJob(job));
  // A download's measured progress, its request and its detached work come back too (what a
  // restarted spark-control needs to follow it again).
  job.kind = JobKind::kDownload;
  job.progress = {"copying", 12.5, 1000, 8000, 250.5, 28.0, true, 61.0};
  job.request = {{"hf_repo", "org/name"}, {"mode", "cluster"}, {"revision", nullptr}};
  job.remote = RemoteWork{"spark1", "~/.cache/spark-control/jobs/default/j7", 4242};
  const auto download = DecodeJob(EncodeJob(job));
  ASSERT_TRUE(download);
  EXPECT_EQ(EncodeJob(*download), EncodeJob(job));
  ASSERT_TRUE(download->remote);
  EXPECT_EQ(download->remote->pid, 4242);
  auto bad = EncodeJob(job);
  bad["progress"]["bytes_done"] = -5;
  bad["remote"]["spark"] = nullptr;
  const auto odd_download = DecodeJob(bad);
  ASSERT_TRUE(odd_download);
  EXPECT_FALSE(odd_download->progress.bytes_done);
  EXPECT_FALSE(odd_download->remote);
  EXPECT_FALSE(DecodeJob(nlohmann::json{{"id", "j1"}, {"kind", "dance"}}));
  // A null (or a number) where a string belongs is read as empty, never thrown.
  auto odd = EncodeJob(job);
  odd["target"] = nullptr;
  odd["action"] = 3;
  odd["error"]["code"] = nullptr;
  odd["progress"]["phase"] = nlohmann::json::array();
  const auto read = DecodeJob(odd);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->target, "");
  EXPECT_EQ(read->error->code, "");
  odd["started_at"] = nullptr;
  EXPECT_FALSE(DecodeJob(odd));
}

TEST(JobLog, TheTriggerIsAlwaysWrittenAndAMissingOneIsTheUser) {
  JobInfo job;
  job.id = "j3";
  job.kind = JobKind::kSwap;
  job.target = "qwen36";
  job.started_at = At(1);
  EXPECT_EQ(EncodeJob(job)["trigger"], "user");
  job.trigger = JobTrigger::kRecovery;
  const nlohmann::json encoded = EncodeJob(job);
  EXPECT_EQ(encoded["trigger"], "recovery");
  const auto back = DecodeJob(encoded);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->trigger, JobTrigger::kRecovery);
  // A record written before jobs named their trigger, or an odd one, is the user's.
  for (const nlohmann::json& trigger :
       {nlohmann::json(), nlohmann::json("cron"), nlohmann::json(1), nlohmann::json::array()}) {
    nlohmann::json old = encoded;
    if (trigger.is_null()) {
      old.erase("trigger");
    } else {
      old["trigger"] = trigger;
    }
    const auto read = DecodeJob(old);
    ASSERT_TRUE(read) << trigger;
    EXPECT_EQ(read->trigger, JobTrigger::kUser) << trigger;
  }
  EXPECT_EQ(JobTriggerName(JobTrigger::kRecovery), "recovery");
}

TEST(JobJournal, OddRecordsNeitherStopTheLoadNorFreeTheirIds) {
  test::TempDir dir;
  const auto path = dir / "jobs.jsonl";
  std::ofstream(path)
      << R"({"id":"j3","kind":"swap","state":"succeeded","target":null,"started_at":null})"
         "\n"
      << R"({"id":"j2","kind":"service","state":"succeeded","target":null,"action":null,)"
      << R"("started_at":"2026-11-30T12:00:00.000Z","error":{"code":null,"log_tail":[1,null]}})"
      << "\n"
      << R"({"id":"j9","kind":"teleport","state":"succeeded",)"
      << R"("started_at":"2026-11-30T12:00:00.000Z"})"
      << "\n";
  JobJournal journal;
  ASSERT_TRUE(journal.Open(path, At(0)).ok());
  ASSERT_EQ(journal.history().size(), 1u);
  EXPECT_EQ(journal.history()[0].id, "j2");
  EXPECT_EQ(journal.history()[0].target, "");
  // j9 came from a version with another job kind: its id is still taken.
  EXPECT_EQ(journal.last_id(), 9u);
}

TEST(JobJournal, AHistoryThatCannotBeReadRefusesToRecord) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "jobs.jsonl");  // exists, unreadable as a file
  JobJournal journal;
  EXPECT_FALSE(journal.Open(dir / "jobs.jsonl", At(0)).ok());
  JobInfo job;
  job.id = "j1";
  job.started_at = At(0);
  EXPECT_EQ(journal.Record(job).code(), ErrorCode::kStorageFailed);
  ASSERT_FALSE(journal.notes().empty());
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
