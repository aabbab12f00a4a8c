#pragma once
// The SSH executor tests' world (ssh_executor_commands_test.cc, ssh_executor_session_test.cc):
// the libssh2 executor against Debian's real OpenSSH server on loopback (tests/support/sshd.h),
// with the fake spark-vllm-docker tools on the session PATH. Every wait is bounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "controller/ssh_executor.h"
#include "support/eventually.h"
#include "support/process.h"
#include "support/sshd.h"
#include "support/text_file.h"

namespace spark::test {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Lines as they arrive, with their arrival time. Thread-safe.
struct Recorder {
  std::mutex mu;
  std::vector<std::pair<RemoteStream, std::string>> lines;
  std::vector<std::chrono::steady_clock::time_point> times;
  LineCallback Callback() {
    return [this](RemoteStream stream, std::string_view line) {
      std::lock_guard lock(mu);
      lines.emplace_back(stream, std::string(line));
      times.push_back(std::chrono::steady_clock::now());
    };
  }
  std::vector<std::string> Of(RemoteStream stream) {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& [s, text] : lines) {
      if (s == stream) out.push_back(text);
    }
    return out;
  }
  bool Saw(const std::string& text) {
    std::lock_guard lock(mu);
    return std::any_of(lines.begin(), lines.end(), [&](const auto& l) { return l.second == text; });
  }
};

inline bool ProcessAlive(const std::string& pid) {
  return !pid.empty() && std::filesystem::exists("/proc/" + pid);
}

class SshExecutorTest : public ::testing::Test {
 protected:
  SshSettings Settings(const std::filesystem::path& key = {}) {
    SshSettings s;
    s.sparks["spark1"] = SshLogin{"127.0.0.1", sshd_.user(), sshd_.port()};
    s.sparks["spark2"] = std::nullopt;
    s.key_path = key.empty() ? sshd_.client_key() : key;
    s.known_hosts = data_ / "ssh/known_hosts";
    s.connect_timeout = seconds(5);
    s.max_backoff = seconds(1);
    return s;
  }
  // An executor that has confirmed the server's host key.
  std::unique_ptr<SshExecutor> Trusted(SshSettings settings) {
    auto executor = std::make_unique<SshExecutor>(std::move(settings), clock_);
    const Status confirmed =
        executor->ConfirmHostKey("spark1", sshd_.HostKeyFingerprint(), seconds(10));
    EXPECT_TRUE(confirmed.ok()) << confirmed.message() << "\n" << sshd_.Log();
    return executor;
  }
  std::unique_ptr<SshExecutor> Trusted() { return Trusted(Settings()); }
  static RemoteCommand Cmd(std::string line, Duration timeout = seconds(20),
                           LineCallback on_line = {}) {
    return RemoteCommand{"spark1", std::move(line), timeout, std::move(on_line)};
  }

  SystemClock clock_;
  test::Sshd sshd_;
  test::TempDir data_;
};

}  // namespace spark::test
