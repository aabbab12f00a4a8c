// The SSH executor's session: host keys (unknown until confirmed, a changed one never
// accepted, confirmations of two Sparks at once both kept), client keys (unknown, RSA),
// reachability and reconnects, and settings (unconfigured Sparks, a reconfigure).
#include <gtest/gtest.h>

#include "ssh_executor_fixture.h"

namespace spark::test {
namespace {

using SteadyClock = std::chrono::steady_clock;

TEST_F(SshExecutorTest, AnUnknownHostKeyIsReportedUntilTheUserConfirmsIt) {
  SshExecutor executor(Settings(), clock_);
  const std::string fingerprint = sshd_.HostKeyFingerprint();
  ASSERT_TRUE(fingerprint.starts_with("SHA256:"));
  const auto first = executor.Run(Cmd("true"));
  EXPECT_EQ(first.status.code(), ErrorCode::kHostKeyUnknown) << first.status.message();
  EXPECT_EQ(first.fingerprint, fingerprint);
  EXPECT_NE(first.status.message().find(fingerprint), std::string::npos) << first.status.message();

  const Status wrong = executor.ConfirmHostKey(
      "spark1", "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", seconds(10));
  EXPECT_EQ(wrong.code(), ErrorCode::kConflict);
  EXPECT_NE(wrong.message().find(fingerprint), std::string::npos) << wrong.message();
  EXPECT_FALSE(std::filesystem::exists(data_ / "ssh/known_hosts"));

  ASSERT_TRUE(executor.ConfirmHostKey("spark1", fingerprint, seconds(10)).ok());
  EXPECT_NE(ReadTrimmedText(data_ / "ssh/known_hosts")
                .find("[127.0.0.1]:" + std::to_string(sshd_.port()) + " ssh-ed25519 "),
            std::string::npos);
  EXPECT_TRUE(executor.Run(Cmd("true")).status.ok());
  EXPECT_TRUE(executor.ConfirmHostKey("spark1", fingerprint, seconds(10)).ok());  // idempotent

  SshExecutor restarted(Settings(), clock_);  // a new process reads the stored key
  EXPECT_TRUE(restarted.Run(Cmd("true")).status.ok());
}

TEST_F(SshExecutorTest, AChangedHostKeyIsNeverAccepted) {
  auto executor = Trusted();
  const std::string old_fingerprint = sshd_.HostKeyFingerprint();
  ASSERT_TRUE(executor->Run(Cmd("true")).status.ok());
  sshd_.Stop();
  sshd_.RegenerateHostKey();
  sshd_.Start();
  const std::string new_fingerprint = sshd_.HostKeyFingerprint();
  ASSERT_NE(new_fingerprint, old_fingerprint);

  const auto outcome = executor->Run(Cmd("true"));
  EXPECT_EQ(outcome.status.code(), ErrorCode::kHostKeyMismatch) << outcome.status.message();
  EXPECT_EQ(outcome.fingerprint, new_fingerprint);
  EXPECT_EQ(executor->Run(Cmd("true")).status.code(),
            ErrorCode::kHostKeyMismatch);  // still, after a retry
  EXPECT_EQ(executor->ConfirmHostKey("spark1", old_fingerprint, seconds(10)).code(),
            ErrorCode::kConflict);
  ASSERT_TRUE(executor->ConfirmHostKey("spark1", new_fingerprint, seconds(10)).ok());
  EXPECT_TRUE(executor->Run(Cmd("true")).status.ok());
  const std::string known = ReadTrimmedText(data_ / "ssh/known_hosts");
  EXPECT_EQ(std::count(known.begin(), known.end(), '\n'), 0) << "one line for this host: " << known;
}

TEST_F(SshExecutorTest, AKeyTheServerDoesNotKnowIsRefused) {
  test::GenerateSshKey("ed25519", data_ / "stranger");
  auto executor = Trusted(Settings(data_ / "stranger"));
  const auto outcome = executor->Run(Cmd("true"));
  EXPECT_EQ(outcome.status.code(), ErrorCode::kSshAuthFailed) << outcome.status.message();
  EXPECT_NE(outcome.status.message().find("authorized_keys"), std::string::npos)
      << outcome.status.message();
}

TEST_F(SshExecutorTest, AnRsaKeyGetsAnExplanation) {
  test::GenerateSshKey("rsa", data_ / "id_rsa");
  sshd_.Authorize(data_ / "id_rsa.pub");
  auto executor = Trusted(Settings(data_ / "id_rsa"));
  const auto outcome = executor->Run(Cmd("true"));
  if (outcome.status.ok())
    GTEST_SKIP() << "this libssh2 signs RSA with rsa-sha2: nothing to explain";
  EXPECT_EQ(outcome.status.code(), ErrorCode::kSshAuthFailed) << outcome.status.message();
  EXPECT_NE(outcome.status.message().find("libssh2 1.10"), std::string::npos)
      << outcome.status.message();
  EXPECT_NE(outcome.status.message().find("ed25519"), std::string::npos)
      << outcome.status.message();
}

TEST_F(SshExecutorTest, NoServerMeansUnreachableAndItRecoversWhenTheServerIsBack) {
  auto executor = Trusted();
  sshd_.Stop();
  const auto start = SteadyClock::now();
  const auto outcome = executor->Run(Cmd("true"));
  EXPECT_EQ(outcome.status.code(), ErrorCode::kSshUnreachable) << outcome.status.message();
  EXPECT_NE(outcome.status.message().find("127.0.0.1:" + std::to_string(sshd_.port())),
            std::string::npos)
      << outcome.status.message();
  EXPECT_LT(SteadyClock::now() - start, seconds(3));
  sshd_.Start();
  EXPECT_TRUE(
      Eventually([&] { return executor->Run(Cmd("true", seconds(5))).status.ok(); }, seconds(10)));
}

TEST_F(SshExecutorTest, ADroppedConnectionFailsTheCommandAndTheNextOneReconnects) {
  auto executor = Trusted();
  Recorder rec;
  auto run = executor->Start(Cmd("echo started; sleep 20", seconds(60), rec.Callback()));
  ASSERT_TRUE(Eventually([&] { return rec.Saw("started"); }, seconds(10)));
  ASSERT_GT(sshd_.KillSessions(), 0);
  const auto outcome = run->WaitFor(seconds(10));
  ASSERT_TRUE(outcome.has_value()) << "a dropped link must end the command";
  EXPECT_EQ(outcome->status.code(), ErrorCode::kSshUnreachable) << outcome->status.message();
  const auto again = executor->Run(Cmd("echo again", seconds(10)));
  EXPECT_TRUE(again.status.ok()) << again.status.message();
}

TEST_F(SshExecutorTest, TwoSparksConfirmedAtOnceBothStayInKnownHosts) {
  test::Sshd second;
  second.Authorize(sshd_.client_key().string() + ".pub");
  for (int round = 0; round < 3; ++round) {
    SshSettings settings = Settings();
    settings.sparks["spark2"] = SshLogin{"127.0.0.1", second.user(), second.port()};
    settings.known_hosts = data_ / ("round" + std::to_string(round)) / "known_hosts";
    SshExecutor executor(settings, clock_);
    Status first_result = Status::Ok();
    std::thread other([&] {
      first_result = executor.ConfirmHostKey("spark1", sshd_.HostKeyFingerprint(), seconds(10));
    });
    const Status second_result =
        executor.ConfirmHostKey("spark2", second.HostKeyFingerprint(), seconds(10));
    other.join();
    ASSERT_TRUE(first_result.ok()) << first_result.message();
    ASSERT_TRUE(second_result.ok()) << second_result.message();
    const std::string text = ReadTrimmedText(settings.known_hosts);
    EXPECT_NE(text.find("[127.0.0.1]:" + std::to_string(sshd_.port()) + " ssh-ed25519 "),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("[127.0.0.1]:" + std::to_string(second.port()) + " ssh-ed25519 "),
              std::string::npos)
        << text;
    // Both keys are usable as stored.
    EXPECT_TRUE(executor.Run(Cmd("true")).status.ok());
    EXPECT_TRUE(executor.Run({"spark2", "true", seconds(20), {}}).status.ok());
  }
}

TEST_F(SshExecutorTest, UnconfiguredAndUnknownSparks) {
  SshExecutor executor(Settings(), clock_);
  RemoteCommand cmd = Cmd("true");
  cmd.spark = "spark2";
  EXPECT_EQ(executor.Run(cmd).status.code(), ErrorCode::kNotConfigured);
  cmd.spark = "spark9";
  EXPECT_EQ(executor.Run(cmd).status.code(), ErrorCode::kNotFound);
  EXPECT_EQ(executor.ConfirmHostKey("spark9", "SHA256:x", seconds(1)).code(), ErrorCode::kNotFound);
}

TEST_F(SshExecutorTest, ReconfigureAppliesAtOnce) {
  SshSettings wrong = Settings();
  wrong.sparks["spark1"]->port = sshd_.port() == 65535 ? 1 : sshd_.port() + 1;
  SshExecutor executor(wrong, clock_);
  EXPECT_EQ(executor.Run(Cmd("true")).status.code(), ErrorCode::kSshUnreachable);
  executor.Reconfigure(Settings());
  ASSERT_TRUE(executor.ConfirmHostKey("spark1", sshd_.HostKeyFingerprint(), seconds(10)).ok());
  EXPECT_TRUE(executor.Run(Cmd("true")).status.ok());
}

}  // namespace
}  // namespace spark::test
