#pragma once
// What the job history says to the self-healing loop (issue 16 "What vLLM's recovery wants",
// "Hold-offs"): whether a service should be running, which running job holds its recovery, and
// the newest job a user started for it. Pure functions of Controller::Jobs() (newest first),
// no new persistent file. Thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "controller/job.h"
#include "controller/recovery_policy.h"

namespace spark {

// vLLM: the newest ended job among swaps (any trigger), vLLM service jobs and update rollbacks
// decides. A succeeded one → running `last_ready` (the model the newest succeeded swap made
// ready); a vLLM stop → stopped; a failed or cancelled user swap or rollback → nothing (the
// user saw it fail); a failed recovery swap is passed over (still wanted); a cancelled one →
// nothing (the user stopped the recovery). No such job: running `seen_serving` (the catalog
// model this process saw vLLM serve: one launched by hand or before spark-control ran), else
// nothing; a succeeded job but no model ready → nothing.
RecoveryWanted VllmWanted(const std::vector<JobInfo>& jobs,
                          const std::optional<std::string>& last_ready,
                          const std::optional<std::string>& seen_serving = std::nullopt);
// A speech service: its newest ended start|restart → running, stop → stopped; none → running
// (speech services are started outside spark-control).
RecoveryWanted SpeechWanted(const std::vector<JobInfo>& jobs, const std::string& service);

// The running job that holds `service`'s recovery, as "swap j12 runs" ("" when none): for vLLM
// a swap, an update or a vLLM service job (a download does not hold it); for a speech service
// its own jobs. `own` (the loop's recovery job) is no hold.
std::string RecoveryHold(const std::vector<JobInfo>& jobs, const std::string& service,
                         const std::optional<std::string>& own);

// The id of the newest job a user started that decides what `service` wants (running or not):
// when it changes, the user took over and the breaker and attempts are cleared.
std::optional<std::string> NewestUserJob(const std::vector<JobInfo>& jobs,
                                         const std::string& service);

}  // namespace spark
