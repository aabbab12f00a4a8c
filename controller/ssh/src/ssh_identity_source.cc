#include "controller/ssh_identity_source.h"

#include "exporter/log.h"

namespace spark {

SshIdentitySource::SshIdentitySource(std::filesystem::path data_dir, const ConfigStore& config)
    : data_dir_(std::move(data_dir)), config_(config) {
  worker_ = std::thread([this] {
    auto identity = EnsureSshIdentity(data_dir_, std::nullopt);
    if (!identity.ok()) Log(LogLevel::kWarn, "SSH key: " + identity.status().message());
    std::lock_guard lock(mu_);
    generated_ = std::move(identity);
  });
}

SshIdentitySource::~SshIdentitySource() { worker_.join(); }

Result<SshIdentity> SshIdentitySource::Get() const {
  if (const auto& configured = config_.Current()->ssh.key_path) {
    return LoadSshIdentity(*configured);
  }
  std::lock_guard lock(mu_);
  if (!generated_)
    return Status::Error(ErrorCode::kNotFound, "the SSH key is still being generated");
  return *generated_;
}

}  // namespace spark
