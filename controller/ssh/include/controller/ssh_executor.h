#pragma once
// RemoteExecutor over SSH (libssh2 1.10, PITFALLS.md). One worker thread per Spark owns its
// session: it connects on the first command, keeps the session with keepalives, reconnects
// after a drop (with backoff after failed attempts) and multiplexes channels on it, so a long
// `docker logs -f` never holds up a short command on the same Spark. An idle session sleeps
// in poll() and costs no CPU. Host keys are checked against spark-control's own known_hosts
// and never accepted without ConfirmHostKey. Thread-safe.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "controller/config.h"
#include "controller/remote_executor.h"

namespace spark {

namespace ssh {
class SparkWorker;
}

struct SshLogin {
  std::string host;
  std::string user;
  int port = 22;
  bool operator==(const SshLogin&) const = default;
};

struct SshSettings {
  // Every Spark by config key; nullopt = known but not configured (commands get
  // not_configured). Names not in the map get not_found.
  std::map<std::string, std::optional<SshLogin>> sparks;
  std::filesystem::path key_path;     // private key (ed25519 or ECDSA; RSA fails with libssh2 1.10)
  std::filesystem::path known_hosts;  // DATA/ssh/known_hosts
  Duration connect_timeout = std::chrono::seconds(10);
  Duration keepalive_interval = std::chrono::seconds(15);
  Duration max_backoff = std::chrono::seconds(15);  // between failed connection attempts
  int max_channels = 8;  // concurrent commands per Spark, below sshd's MaxSessions (10)
  // How long a cancelled or timed-out command may take to end on the Spark. One that has not
  // ended by then (its session report or channel close never came) means the session no
  // longer answers: it is dropped and the next command reconnects, so abandoned commands
  // never keep channel slots.
  Duration wind_down = std::chrono::seconds(10);
};

// The settings for `config`: key = ssh.key_path or DATA/ssh/id_ed25519, known hosts in
// DATA/ssh, a Spark's user defaults to the local user name when unset.
SshSettings SshSettingsFromConfig(const Config& config, const std::filesystem::path& data_dir);

class SshExecutor final : public RemoteExecutor {
 public:
  // Command deadlines, keepalives and reconnect backoff run on `clock` (which must outlive
  // this); connecting and authenticating are bounded in real time.
  SshExecutor(SshSettings settings, const Clock& clock);
  // Ends every command with `cancelled` and joins the workers (closing their sessions).
  ~SshExecutor() override;
  SshExecutor(const SshExecutor&) = delete;
  SshExecutor& operator=(const SshExecutor&) = delete;

  // Applies new settings without a restart. A Spark whose login, key or known_hosts path
  // changed drops its session: its running commands end with ssh_unreachable, the next
  // command connects with the new settings at once. A Spark no longer in the settings loses
  // its worker: its commands end `cancelled` and its thread is joined before this returns
  // (unless a command start still holds it; then when that returns).
  void Reconfigure(SshSettings settings);

  std::shared_ptr<RemoteRun> Start(RemoteCommand command) override;
  Status ConfirmHostKey(const std::string& spark, const std::string& fingerprint,
                        Duration timeout) override;

 private:
  std::shared_ptr<ssh::SparkWorker> WorkerFor(const std::string& spark, Status& error);

  const Clock& clock_;
  std::mutex mu_;  // guards settings_ and workers_ (not the workers' own state)
  SshSettings settings_;
  std::map<std::string, std::shared_ptr<ssh::SparkWorker>> workers_;
};

}  // namespace spark
