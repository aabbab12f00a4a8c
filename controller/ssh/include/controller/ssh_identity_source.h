#pragma once
// spark-control's SSH identity: the operator's ssh.key_path read on demand, else the key
// spark-control keeps in DATA/ssh, generated once in the background on first start
// (ssh-keygen takes a moment, and start-up must not wait for it). Thread-safe.

#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "controller/config_store.h"
#include "controller/ssh_keys.h"

namespace spark {

class SshIdentitySource {
 public:
  SshIdentitySource(std::filesystem::path data_dir, const ConfigStore& config);
  ~SshIdentitySource();  // waits for the generation to end
  SshIdentitySource(const SshIdentitySource&) = delete;
  SshIdentitySource& operator=(const SshIdentitySource&) = delete;

  // The identity to use now; not_found while the generated key is still being made.
  Result<SshIdentity> Get() const;

 private:
  const std::filesystem::path data_dir_;
  const ConfigStore& config_;
  mutable std::mutex mu_;
  std::optional<Result<SshIdentity>> generated_;
  std::thread worker_;
};

}  // namespace spark
