// One line of DATA/jobs.jsonl as JobJournal::Open reads it (parse without exceptions, then
// DecodeJob). An unreadable line is skipped, never fatal; a readable job is written back
// (EncodeJob, as Record does) to a line that decodes to the same job.
#include "controller/job.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {

void FuzzJobsLine(std::string_view input) {
  const auto record = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  const auto job = DecodeJob(record);
  if (!job) return;
  Require(job->id.size() >= 2, "a job has an id");
  const nlohmann::json encoded = EncodeJob(*job);
  const std::string line = Dump(encoded);
  Require(line.find('\n') == std::string::npos, "a job record is one line");
  const auto again = DecodeJob(nlohmann::json::parse(line, nullptr, false));
  Require(again.has_value(), "a written job reads back");
  Require(Dump(EncodeJob(*again)) == line, "a written job reads back the same");
}

}  // namespace spark::fuzz
