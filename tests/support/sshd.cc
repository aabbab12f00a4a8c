#include "support/sshd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/text_file.h"

namespace spark::test {
namespace {

constexpr const char* kSshKeygen = "/usr/bin/ssh-keygen";
constexpr const char* kSshd = "/usr/sbin/sshd";

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("no free loopback port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

void WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// pid → (parent pid, command name) of every process.
std::map<pid_t, std::pair<pid_t, std::string>> ProcessTable() {
  std::map<pid_t, std::pair<pid_t, std::string>> table;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = ReadText(entry.path() / "stat");
    const auto open = stat.find('(');
    const auto close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    table[std::stoi(name)] = {ppid, stat.substr(open + 1, close - open - 1)};
  }
  return table;
}

}  // namespace

void GenerateSshKey(const std::string& type, const std::filesystem::path& path) {
  std::vector<std::string> argv = {kSshKeygen, "-q", "-t",           type, "-N",
                                   "",         "-C", "test-" + type, "-f", path.string()};
  if (type == "rsa") argv.insert(argv.begin() + 4, {"-b", "3072"});
  ChildProcess keygen(argv);
  if (keygen.Wait(20000) != 0) throw std::runtime_error("ssh-keygen failed for " + path.string());
}

std::string SshKeygenFingerprint(const std::filesystem::path& public_key) {
  ChildProcess keygen({kSshKeygen, "-lf", public_key.string()});
  const std::string line = keygen.WaitForLine("", 10000);  // "256 SHA256:… comment (ED25519)"
  keygen.Wait(5000);
  const auto start = line.find("SHA256:");
  return start == std::string::npos ? std::string()
                                    : line.substr(start, line.find(' ', start) - start);
}

Sshd::Sshd() : dir_(temp_.path()), port_(FreeLoopbackPort()) {
  if (geteuid() == 0) {
    // sshd's privilege separation dir; created at boot by the package, missing in containers.
    std::filesystem::create_directories("/run/sshd");
    chmod("/run/sshd", 0755);
  }
  for (const char* sub : {"fakebin", "spark-vllm-docker", "state", "scratch", "home"}) {
    std::filesystem::create_directories(dir_ / sub);
  }
  const std::filesystem::path fakes =
      std::filesystem::path(SPARK_SOURCE_DIR) / "tests/testdata/fakes";
  std::filesystem::copy_file(fakes / "docker", dir_ / "fakebin/docker");
  std::filesystem::copy_file(fakes / "hf", dir_ / "fakebin/hf");
  std::filesystem::copy_file(fakes / "ssh", dir_ / "fakebin/ssh");
  std::filesystem::copy_file(fakes / "launch-cluster.sh", checkout() / "launch-cluster.sh");
  std::filesystem::copy_file(fakes / "build-and-copy.sh", checkout() / "build-and-copy.sh");
  SetFake("log_delay", "0.02");

  GenerateSshKey("ed25519", dir_ / "host_ed25519");
  GenerateSshKey("ed25519", client_key());
  WriteText(dir_ / "authorized_keys", "");
  Authorize(client_key().string() + ".pub");
  WriteText(dir_ / "sshd_config", "Port " + std::to_string(port_) +
                                      "\n"
                                      "ListenAddress 127.0.0.1\n"
                                      "HostKey " +
                                      (dir_ / "host_ed25519").string() +
                                      "\n"
                                      "PidFile none\n"
                                      "AuthorizedKeysFile " +
                                      (dir_ / "authorized_keys").string() +
                                      "\n"
                                      "StrictModes no\n"
                                      "UsePAM no\n"
                                      "PubkeyAuthentication yes\n"
                                      "PasswordAuthentication no\n"
                                      "KbdInteractiveAuthentication no\n"
                                      "PermitRootLogin prohibit-password\n"
                                      "UseDNS no\n"
                                      "PrintMotd no\n"
                                      "MaxStartups 100\n"
                                      "LogLevel VERBOSE\n"
                                      "SetEnv PATH=" +
                                      (dir_ / "fakebin").string() +
                                      ":/usr/bin:/bin SPARK_FAKE_STATE=" + state().string() +
                                      " HOME=" + home().string() + "\n" + SessionWrapper());
  Start();
}

Sshd::~Sshd() { Stop(); }

std::string Sshd::user() const {
  const passwd* pw = getpwuid(geteuid());
  return pw != nullptr ? pw->pw_name : "root";
}

std::string Sshd::SparkConfig(int vllm_port) const {
  return "sparks:\n  spark1: {host: 127.0.0.1, user: " + user() +
         ", port: " + std::to_string(port_) + "}\nvllm: {port: " + std::to_string(vllm_port) +
         "}\nssh: {key_path: " + client_key().string() +
         "}\nremote: {vllm_docker_dir: " + checkout().string() +
         "}\nprobe: {interval_s: 1, timeout_s: 0.5}\n";
}

void Sshd::SetFake(const std::string& name, const std::string& contents) const {
  WriteText(state() / name, contents);
}

void Sshd::RouteSshTo(const Sshd& peer) const {
  SetFake("ssh_home", peer.home().string() + "\n");
  SetFake("ssh_env", "PATH=" + peer.fakebin().string() +
                         ":/usr/bin:/bin\nSPARK_FAKE_STATE=" + peer.state().string() + "\n");
}

std::string Sshd::SessionWrapper() const {
  // sshd runs it as `bash -c LINE` with the client's command in SSH_ORIGINAL_COMMAND; `eval`
  // keeps that command's exit status and stdin. Records end in NUL (commands span lines).
  return "ForceCommand printf '%s\\0' \"$SSH_ORIGINAL_COMMAND\" >> " +
         (dir_ / "commands").string() + "; cd ~ && eval \"$SSH_ORIGINAL_COMMAND\"\n";
}

std::vector<std::string> Sshd::Commands() const {
  std::vector<std::string> commands;
  std::istringstream in(ReadText(dir_ / "commands"));
  for (std::string command; std::getline(in, command, '\0');) commands.push_back(command);
  return commands;
}

void Sshd::Authorize(const std::filesystem::path& public_key) const {
  std::ofstream out(dir_ / "authorized_keys", std::ios::app);
  out << ReadText(public_key);
}

void Sshd::Start() {
  static int starts = 0;
  const std::string log = (dir_ / ("sshd-" + std::to_string(++starts) + ".log")).string();
  server_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kSshd, "-D", "-e", "-f", (dir_ / "sshd_config").string()},
      std::map<std::string, std::string>{}, log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!Accepts(port_)) {
    if (!server_->running() || std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("sshd did not start: " + Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool Sshd::running() { return server_ && server_->running(); }

std::vector<pid_t> Sshd::SessionPids() const {
  std::vector<pid_t> found;
  if (!server_) return found;
  const auto table = ProcessTable();
  std::vector<pid_t> frontier = {server_->pid()};
  while (!frontier.empty()) {
    const pid_t parent = frontier.back();
    frontier.pop_back();
    for (const auto& [pid, info] : table) {
      if (info.first != parent || info.second != "sshd") continue;
      frontier.push_back(pid);
      found.push_back(pid);
    }
  }
  return found;
}

int Sshd::KillSessions() {
  const auto pids = SessionPids();
  for (pid_t pid : pids) kill(pid, SIGKILL);
  return static_cast<int>(pids.size());
}

int Sshd::PauseSessions(bool pause) {
  const auto pids = SessionPids();
  for (pid_t pid : pids) kill(pid, pause ? SIGSTOP : SIGCONT);
  return static_cast<int>(pids.size());
}

void Sshd::Stop() {
  if (!server_) return;
  // Only sshd itself: a command killed while its login shell still runs ~/.bashrc can leave
  // stale locks behind (pyenv's rehash lock stalls every later shell for 60 s). Commands of
  // the tests end by themselves (the fakes sleep at most 60 s).
  const auto sessions = SessionPids();
  server_->Stop(SIGTERM, 5000);
  for (pid_t pid : sessions) kill(pid, SIGKILL);
  server_.reset();
}

void Sshd::RegenerateHostKey() {
  std::filesystem::remove(dir_ / "host_ed25519");
  std::filesystem::remove(dir_ / "host_ed25519.pub");
  GenerateSshKey("ed25519", dir_ / "host_ed25519");
}

std::string Sshd::Log() const {
  std::string text;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (entry.path().filename().string().starts_with("sshd-")) text += ReadText(entry.path());
  }
  return text;
}

}  // namespace spark::test
