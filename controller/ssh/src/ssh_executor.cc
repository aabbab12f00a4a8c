#include "controller/ssh_executor.h"

#include <pwd.h>
#include <unistd.h>

#include "controller/ssh_keys.h"
#include "ssh_worker.h"

namespace spark {
namespace {

std::string LocalUserName() {
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name != nullptr)
    return pw->pw_name;
  return "root";
}

ssh::WorkerSettings ForWorker(const SshSettings& settings, const std::optional<SshLogin>& login) {
  return {login,
          settings.key_path,
          settings.known_hosts,
          settings.connect_timeout,
          settings.keepalive_interval,
          settings.max_backoff,
          settings.max_channels,
          settings.wind_down};
}

std::shared_ptr<RemoteRun> Finished(Status status) {
  auto run = std::make_shared<RemoteRun>();
  run->Finish(RemoteOutcome::Failed(std::move(status)));
  return run;
}

}  // namespace

SshSettings SshSettingsFromConfig(const Config& config, const std::filesystem::path& data_dir) {
  SshSettings settings;
  settings.key_path = config.ssh.key_path ? std::filesystem::path(*config.ssh.key_path)
                                          : DefaultSshKeyPath(data_dir);
  settings.known_hosts = data_dir / "ssh" / "known_hosts";
  for (const auto& [name, spark] : config.sparks) {
    if (spark.host && !spark.host->empty()) {
      settings.sparks[name] =
          SshLogin{*spark.host, spark.user.value_or(LocalUserName()), spark.port};
    } else {
      settings.sparks[name] = std::nullopt;
    }
  }
  return settings;
}

SshExecutor::SshExecutor(SshSettings settings, const Clock& clock) : clock_(clock) {
  ssh::InitLibrary();
  Reconfigure(std::move(settings));
}

SshExecutor::~SshExecutor() {
  std::lock_guard lock(mu_);
  workers_.clear();
}

void SshExecutor::Reconfigure(SshSettings settings) {
  std::vector<std::shared_ptr<ssh::SparkWorker>> removed;
  {
    std::lock_guard lock(mu_);
    settings_ = std::move(settings);
    for (auto it = workers_.begin(); it != workers_.end();) {
      const auto login = settings_.sparks.find(it->first);
      if (login == settings_.sparks.end()) {
        removed.push_back(std::move(it->second));
        it = workers_.erase(it);
        continue;
      }
      it->second->Reconfigure(ForWorker(settings_, login->second));
      ++it;
    }
    for (const auto& [name, login] : settings_.sparks) {
      if (!workers_.contains(name)) {
        workers_[name] =
            std::make_shared<ssh::SparkWorker>(name, ForWorker(settings_, login), clock_);
      }
    }
  }
  removed.clear();  // outside the lock: each destructor cancels its commands and joins
}

std::shared_ptr<ssh::SparkWorker> SshExecutor::WorkerFor(const std::string& spark, Status& error) {
  std::lock_guard lock(mu_);
  const auto known = settings_.sparks.find(spark);
  if (known == settings_.sparks.end()) {
    error = Status::Error(ErrorCode::kNotFound, "no Spark named \"" + spark + "\"");
    return nullptr;
  }
  if (!known->second) {
    error = Status::Error(ErrorCode::kNotConfigured,
                          spark + " has no SSH host configured (Configure Sparks)");
    return nullptr;
  }
  return workers_.at(spark);
}

std::shared_ptr<RemoteRun> SshExecutor::Start(RemoteCommand command) {
  Status error = Status::Ok();
  const auto worker = WorkerFor(command.spark, error);
  if (worker == nullptr) return Finished(error);
  return worker->Start(std::move(command));
}

Status SshExecutor::ConfirmHostKey(const std::string& spark, const std::string& fingerprint,
                                   Duration timeout) {
  Status error = Status::Ok();
  const auto worker = WorkerFor(spark, error);
  if (worker == nullptr) return error;
  return worker->ConfirmHostKey(fingerprint, timeout);
}

}  // namespace spark
