#pragma once
// Private to the controller: detached remote work, once, for every long job (downloads now,
// updates next). The script runs on the Spark under `setsid nohup` in a directory of its own
// (DetachedCommands); the job records where (JobInfo.remote, in jobs.jsonl) and follows it by
// polling its log and state over the Spark's existing SSH worker. A dropped link is waited out
// (the script goes on), a restarted spark-control follows it again from the journal, a cancel
// kills the script's whole session, and a script that cannot be found again ends the job
// `interrupted` — never "running forever".

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "controller/detached_poll.h"
#include "job_context.h"

namespace spark {

struct DetachedFollow {
  std::optional<std::string> measure_dir;  // its bytes come with each poll (DirBytes)
  Duration poll_every = std::chrono::seconds(1);
  // How long a lost SSH link is waited out before the job ends `interrupted`.
  Duration link_grace = std::chrono::minutes(10);
  std::function<void(std::string_view line)> on_line;     // each log line (already in the job log)
  std::function<void(const DetachedPoll& poll)> on_poll;  // each poll that reached the Spark
};

// Writes `body` to the job's directory on `spark` and starts it detached; records the job's
// remote work. The job error when it could not start.
Status StartDetached(Controller::Context& ctx, const std::string& spark, std::string_view body);

// Follows the job's remote work to its end: the script's exit status; `cancelled` (its session
// killed), `interrupted` (lost for good, or spark-control is stopping — then it is left
// running), or the error of a Spark that refuses us.
Result<int> FollowDetached(Controller::Context& ctx, const DetachedFollow& follow);

// Sleeps `span` on the job's clock in short steps, returning early once the job is cancelled.
void SleepUnlessCancelled(Controller::Context& ctx, Duration span);

}  // namespace spark
