#pragma once
// Whether each Spark answers over SSH (spark_control_ssh_up, /api/status `sparks`), learnt
// from every remote command: MonitoredExecutor records each outcome, and SshHeartbeat runs a
// no-op command on each configured Spark now and then so the answer stays fresh between
// jobs (over the kept-alive session it costs one channel). Thread-safe.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controller/remote_executor.h"
#include "exporter/change_feed.h"
#include "exporter/histogram.h"

namespace spark {

struct SparkSshState {
  std::optional<bool> up;  // nullopt until a command ended one way or the other
  std::string code;        // when down: ssh_unreachable, ssh_auth_failed, host_key_* …
  std::string message;
  std::string fingerprint;  // host_key_unknown / host_key_mismatch: what to confirm
  HistogramData durations{SshCommandBuckets()};
};

class SshHealth {
 public:
  // A command that reached the remote shell means SSH is up, whatever its exit status; a
  // transport or host-key failure means down; timeouts and cancels say nothing new.
  void Record(const std::string& spark, const RemoteOutcome& outcome);
  std::map<std::string, SparkSshState> Snapshot() const;
  uint64_t version() const;  // changes with every recorded outcome
  // Bumped when what /api/status shows of a Spark (up, code, message, fingerprint) changed.
  ChangeFeed& feed() { return feed_; }

 private:
  ChangeFeed feed_;
  mutable std::mutex mu_;
  uint64_t version_ = 0;
  std::map<std::string, SparkSshState> sparks_;
};

// A RemoteExecutor that passes everything to `inner` and records each outcome in `health`.
class MonitoredExecutor final : public RemoteExecutor {
 public:
  MonitoredExecutor(RemoteExecutor& inner, SshHealth& health) : inner_(inner), health_(health) {}
  std::shared_ptr<RemoteRun> Start(RemoteCommand command) override;
  Status ConfirmHostKey(const std::string& spark, const std::string& fingerprint,
                        Duration timeout) override;

 private:
  RemoteExecutor& inner_;
  SshHealth& health_;
};

// Every `interval`, runs `true` on each Spark `sparks()` names (one thread; a Spark that
// does not answer delays the others by at most the command timeout).
class SshHeartbeat {
 public:
  SshHeartbeat(RemoteExecutor& executor, std::function<std::vector<std::string>()> sparks,
               Duration interval);
  ~SshHeartbeat();  // stops and joins
  SshHeartbeat(const SshHeartbeat&) = delete;
  SshHeartbeat& operator=(const SshHeartbeat&) = delete;
  // Checks at once (after a configuration change or a confirmed host key).
  void Poke();

 private:
  void Loop();

  RemoteExecutor& executor_;
  std::function<std::vector<std::string>()> sparks_;
  const Duration interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool poked_ = true;  // the first round runs at once
  std::thread thread_;
};

}  // namespace spark
