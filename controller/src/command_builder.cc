#include "controller/command_builder.h"

#include <algorithm>
#include <cmath>

#include "controller/shell_quote.h"
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
        "invalid_field",
        "the served name must be 1–256 printable characters and not start with '-'", "served_name");
  }
  return Status::Ok();
}

Status CheckCacheDir(std::string_view dir) {
  auto invalid = [&](const std::string& why) {
    return Status::Error("invalid_field", "cache dir \"" + std::string(dir) + "\": " + why,
                         "cache_dir");
  };
  if (!dir.starts_with('/') && !dir.starts_with("~/"))
    return invalid("must be absolute or start with ~/");
  std::string_view rest = dir.starts_with("~/") ? dir.substr(2) : dir;
  while (!rest.empty() && (rest.front() == '/' || rest.back() == '/')) {
    rest = rest.front() == '/' ? rest.substr(1) : rest.substr(0, rest.size() - 1);
  }
  if (rest.empty()) return invalid("refusing to chown a whole home or root directory");
  size_t start = 0;
  while (start <= rest.size()) {
    const size_t slash = std::min(rest.find('/', start), rest.size());
    if (rest.substr(start, slash - start) == "..") return invalid("\"..\" is not allowed");
    start = slash + 1;
  }
  for (char c : dir) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return invalid("holds a control character");
  }
  return Status::Ok();
}

}  // namespace

RemoteSettings RemoteSettings::FromConfig(const Config& config) {
  RemoteSettings s;
  s.vllm_docker_dir = config.remote.vllm_docker_dir;
  s.vllm_container = config.remote.vllm_container;
  s.vllm_port = config.vllm.port;
  return s;
}

CommandBuilder::CommandBuilder(RemoteSettings settings) : settings_(std::move(settings)) {}

std::string CommandBuilder::Bounded(Duration timeout, const std::vector<std::string>& words) const {
  return "timeout -s KILL " + std::to_string(RemoteLimitSeconds(timeout)) + " " + ShellJoin(words);
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

Result<std::vector<std::string>> CommandBuilder::LaunchWords(const LaunchSpec& spec) const {
  if (Status s = ValidateHfRepo(spec.hf_repo); !s.ok()) return s;
  if (spec.served_name) {
    if (Status s = CheckServedName(*spec.served_name); !s.ok()) return s;
  }
  auto flags = ParseVllmArgs(spec.args);
  if (!flags.ok()) return flags.status();

  auto words = LaunchScript();
  if (spec.mode == ModelMode::kSolo) words.push_back("--solo");
  words.insert(words.end(), {"-d", "exec", "vllm", "serve", spec.hf_repo, "--host", "0.0.0.0",
                             "--port", std::to_string(settings_.vllm_port)});
  if (spec.mode == ModelMode::kCluster) words.insert(words.end(), {"--tensor-parallel-size", "2"});
  if (spec.served_name) words.insert(words.end(), {"--served-model-name", *spec.served_name});
  for (auto& w : VllmArgWords(flags.value())) words.push_back(std::move(w));
  return words;
}

Result<RemoteCommandLine> CommandBuilder::Launch(const LaunchSpec& spec, Duration timeout) const {
  auto words = LaunchWords(spec);
  if (!words.ok()) return words.status();
  return RemoteCommandLine{CdCheckout() + Bounded(timeout, words.value()), timeout};
}

Result<std::string> CommandBuilder::LaunchDisplay(const LaunchSpec& spec) const {
  auto words = LaunchWords(spec);
  if (!words.ok()) return words.status();
  return CdCheckout() + ShellJoin(words.value());
}

RemoteCommandLine CommandBuilder::FollowLogs(WallTime since, Duration timeout) const {
  return {Bounded(timeout, {"docker", "logs", "-f", "--since", FormatRfc3339(since),
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
  if (Status s = CheckCacheDir(dir); !s.ok()) return s;
  return RemoteCommandLine{"timeout -s KILL " + std::to_string(RemoteLimitSeconds(timeout)) +
                               " chown -R 1000:1000 " + ShellQuotePath(dir),
                           timeout};
}

RemoteCommandLine CommandBuilder::UpdateCheck(Duration timeout) const {
  return {CdCheckout() + Bounded(timeout, {"git", "fetch", "--quiet"}) + " && " +
              Bounded(timeout, {"git", "rev-list", "--count", "HEAD..@{u}"}),
          timeout};
}

std::string CommandBuilder::ReportSession(std::string_view command_line) {
  return "echo " + std::string(SessionMarker()) + "$$; " + std::string(command_line);
}

Result<RemoteCommandLine> CommandBuilder::KillSession(long session_id) {
  if (session_id <= 1) {
    return Status::Error("invalid_field", "refusing to kill session " + std::to_string(session_id),
                         "session_id");
  }
  const Duration timeout = std::chrono::seconds(10);
  return RemoteCommandLine{"timeout -s KILL " + std::to_string(RemoteLimitSeconds(timeout)) +
                               " pkill -KILL -s " + std::to_string(session_id),
                           timeout};
}

}  // namespace spark
