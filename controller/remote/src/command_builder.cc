#include "controller/command_builder.h"

#include <algorithm>
#include <cmath>

#include "controller/remote_names.h"
#include "controller/shell_quote.h"
#include "controller/vllm_args.h"
#include "exporter/time_format.h"

namespace spark {
namespace {

constexpr std::string_view kDefaultContainer = "vllm_node";

long RemoteLimitSeconds(Duration timeout) {
  const double s = std::max(1.0, std::ceil(Seconds(timeout)));
  return static_cast<long>(s) + CommandBuilder::kRemoteGraceSeconds;
}

Status CheckServedName(std::string_view name) {
  const bool control = std::any_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (name.empty() || name.size() > 256 || name[0] == '-' || control) {
    return Status::Error(
        ErrorCode::kInvalidField,
        "the served name must be 1–256 printable characters and not start with '-'", "served_name");
  }
  return Status::Ok();
}

}  // namespace

RemoteSettings RemoteSettings::FromConfig(const Config& config) {
  RemoteSettings s;
  s.vllm_docker_dir = config.remote.vllm_docker_dir;
  s.vllm_container = config.remote.vllm_container;
  s.vllm_port = config.vllm.port;
  s.allow_trust_remote_code = config.security.allow_trust_remote_code;
  return s;
}

CommandBuilder::CommandBuilder(RemoteSettings settings) : settings_(std::move(settings)) {}

std::string CommandBuilder::TimeoutPrefix(Duration timeout) {
  return "timeout -s KILL " + std::to_string(RemoteLimitSeconds(timeout)) + " ";
}

std::string CommandBuilder::Bounded(Duration timeout, const std::vector<std::string>& words) const {
  return TimeoutPrefix(timeout) + ShellJoin(words);
}

std::string CommandBuilder::CdCheckout() const {
  return "cd " + ShellQuotePath(settings_.vllm_docker_dir) + " && ";
}

std::vector<std::string> CommandBuilder::LaunchScript() const {
  std::vector<std::string> words = {"./launch-cluster.sh"};
  if (settings_.vllm_container != kDefaultContainer) {
    words.insert(words.end(), {"--name", settings_.vllm_container});
  }
  return words;
}

RemoteCommandLine CommandBuilder::Reconcile(Duration timeout) const {
  return {Bounded(timeout, {"docker", "ps", "--filter", "name=" + settings_.vllm_container,
                            "--format", "{{.Names}} {{.Status}}"}),
          timeout};
}

RemoteCommandLine CommandBuilder::StopCluster(Duration timeout) const {
  auto words = LaunchScript();
  words.push_back("stop");
  return {CdCheckout() + Bounded(timeout, words), timeout};
}

Result<std::string> CommandBuilder::LaunchLine(const LaunchSpec& spec) const {
  if (Status s = ValidateHfRepo(spec.hf_repo); !s.ok()) return s;
  if (spec.served_name) {
    if (Status s = CheckServedName(*spec.served_name); !s.ok()) return s;
  }
  auto flags = ParseVllmArgs(spec.args, {settings_.allow_trust_remote_code});
  if (!flags.ok()) return flags.status();

  auto script = LaunchScript();
  if (spec.mode == ModelMode::kSolo) script.push_back("--solo");
  script.insert(script.end(), {"-d", "exec"});
  // launch-cluster.sh joins these and runs them with `bash -i -c` in the container.
  std::vector<std::string> command = {"vllm",
                                      "serve",
                                      spec.hf_repo,
                                      "--host",
                                      "0.0.0.0",
                                      "--port",
                                      std::to_string(settings_.vllm_port)};
  if (spec.mode == ModelMode::kCluster) {
    command.insert(command.end(), {"--tensor-parallel-size", "2"});
  }
  if (spec.served_name) command.insert(command.end(), {"--served-model-name", *spec.served_name});
  for (auto& w : VllmArgWords(flags.value())) command.push_back(std::move(w));
  return ShellJoin(script) + " " + ShellJoinForReparse(command);
}

Result<RemoteCommandLine> CommandBuilder::Launch(const LaunchSpec& spec, Duration timeout) const {
  auto line = LaunchLine(spec);
  if (!line.ok()) return line.status();
  return RemoteCommandLine{CdCheckout() + TimeoutPrefix(timeout) + *line, timeout};
}

Result<std::string> CommandBuilder::LaunchDisplay(const LaunchSpec& spec) const {
  auto line = LaunchLine(spec);
  if (!line.ok()) return line.status();
  return CdCheckout() + *line;
}

RemoteCommandLine CommandBuilder::FollowLogs(Duration lookback, Duration timeout) const {
  const long seconds = std::max(1L, static_cast<long>(std::ceil(Seconds(lookback))));
  return {Bounded(timeout, {"docker", "logs", "-f", "--since", std::to_string(seconds) + "s",
                            settings_.vllm_container}),
          timeout};
}

Result<RemoteCommandLine> CommandBuilder::Container(ContainerAction action,
                                                    std::string_view container,
                                                    Duration timeout) const {
  if (Status s = ValidateContainerName(container); !s.ok()) return s;
  const char* verb = action == ContainerAction::kStart  ? "start"
                     : action == ContainerAction::kStop ? "stop"
                                                        : "restart";
  return RemoteCommandLine{Bounded(timeout, {"docker", verb, std::string(container)}), timeout};
}

Result<RemoteCommandLine> CommandBuilder::ChownCache(std::string_view dir, Duration timeout) const {
  if (Status s = ValidateChownDir(dir); !s.ok()) {
    return Status::Error(*s.code(), s.message(), "cache_dir");
  }
  return RemoteCommandLine{TimeoutPrefix(timeout) + "chown -R 1000:1000 " + ShellQuotePath(dir),
                           timeout};
}

std::string CommandBuilder::ReportSession(std::string_view command_line) {
  return "echo " + std::string(SessionMarker()) + "$$; " + std::string(command_line);
}

Result<RemoteCommandLine> CommandBuilder::KillSession(long session_id) {
  if (session_id <= 1) {
    return Status::Error(ErrorCode::kInvalidField,
                         "refusing to kill session " + std::to_string(session_id), "session_id");
  }
  const Duration timeout = std::chrono::seconds(10);
  return RemoteCommandLine{TimeoutPrefix(timeout) + "pkill -KILL -s " + std::to_string(session_id),
                           timeout};
}

}  // namespace spark
