#pragma once
// Debian's real OpenSSH server for integration tests: /usr/sbin/sshd -D -e on a free
// 127.0.0.1 port as the current user (root in CI), with a throwaway ed25519 host key and
// client key in a TempDir, absolute paths only, and the fake spark-vllm-docker tools of
// tests/testdata/fakes first on every session's PATH (sshd SetEnv). Each instance is a Spark of
// its own: its sessions get their own HOME (home(), also their working directory), so two
// instances have separate ~/.cache/huggingface. Every command a session runs is recorded
// (Commands()). Stopped by PID.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"

namespace spark::test {

// Runs ssh-keygen to make a key pair without a passphrase ("ed25519", "rsa", "ecdsa").
void GenerateSshKey(const std::string& type, const std::filesystem::path& path);
// `ssh-keygen -lf FILE`'s fingerprint ("SHA256:…").
std::string SshKeygenFingerprint(const std::filesystem::path& public_key);

class Sshd {
 public:
  // Generates the keys, writes the config, starts sshd and waits until it accepts.
  Sshd();
  ~Sshd();  // stops the server and its session processes by PID
  Sshd(const Sshd&) = delete;
  Sshd& operator=(const Sshd&) = delete;

  int port() const { return port_; }
  std::string user() const;
  std::filesystem::path client_key() const { return dir_ / "client_ed25519"; }
  std::filesystem::path host_public_key() const { return dir_ / "host_ed25519.pub"; }
  // The fakes' working dirs: a spark-vllm-docker checkout holding launch-cluster.sh and
  // build-and-copy.sh, and SPARK_FAKE_STATE (the files that steer the fakes, see
  // tests/testdata/fakes).
  std::filesystem::path checkout() const { return dir_ / "spark-vllm-docker"; }
  std::filesystem::path state() const { return dir_ / "state"; }
  std::filesystem::path scratch() const { return dir_ / "scratch"; }  // free for tests
  // The sessions' HOME and working directory (the Spark user's home).
  std::filesystem::path home() const { return dir_ / "home"; }
  // The fakes' bin dir, first on every session's PATH (a test may wrap a fake there).
  std::filesystem::path fakebin() const { return dir_ / "fakebin"; }
  std::string HostKeyFingerprint() const { return SshKeygenFingerprint(host_public_key()); }
  // spark-control config lines (YAML) for a Spark 1 behind this sshd: host, user, port, the
  // client key, the fake checkout, and a vLLM probed on 127.0.0.1:`vllm_port` every second.
  std::string SparkConfig(int vllm_port) const;
  // Writes `contents` to state()/name (steers a fake).
  void SetFake(const std::string& name, const std::string& contents) const;
  // Points this Spark's fake ssh (tests/testdata/fakes/ssh) at `peer`: a remote command runs
  // with the peer's HOME, working directory, PATH and SPARK_FAKE_STATE, as over the Sparks' link.
  void RouteSshTo(const Sshd& peer) const;
  // Every command the sessions ran so far (SSH_ORIGINAL_COMMAND), oldest first.
  std::vector<std::string> Commands() const;

  // Stops the listener and every sshd session under it (connections drop; commands they ran
  // end on their own).
  void Stop();
  // Starts again on the same port.
  void Start();
  bool running();
  // A new host key; takes effect on the next Start().
  void RegenerateHostKey();
  // Adds a public key file to the authorized keys.
  void Authorize(const std::filesystem::path& public_key) const;
  // Kills (SIGKILL) the per-connection sshd processes, keeping the listener: open
  // connections drop as if the link died. Returns how many were killed.
  int KillSessions();
  // Stops (SIGSTOP, `pause`) or resumes (SIGCONT) the per-connection sshd processes: open
  // connections stay up but nothing answers on them, as on a link that hangs; new connections
  // are served. Returns how many.
  int PauseSessions(bool pause);
  // sshd's own log (-e), for failure messages.
  std::string Log() const;

 private:
  // The per-connection sshd processes under the listener.
  std::vector<pid_t> SessionPids() const;
  // sshd_config's ForceCommand: records the command, then runs it from HOME like a login shell.
  std::string SessionWrapper() const;

  TempDir temp_;
  std::filesystem::path dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> server_;
};

}  // namespace spark::test
