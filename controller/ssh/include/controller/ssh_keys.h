#pragma once
// spark-control's SSH identity: DATA/ssh/id_ed25519 generated on first use with ssh-keygen
// (PITFALLS.md: libssh2 1.10 needs ed25519 or ECDSA, not RSA), or the key the operator
// configured (ssh.key_path / SSH_KEY_PATH), never generated over or rewritten. Plus the
// SHA256 fingerprints users compare with `ssh-keygen -lf`. Thread-safe.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "exporter/status.h"

namespace spark {

struct SshIdentity {
  std::filesystem::path private_key;
  std::string public_key;   // "ssh-ed25519 AAAA… spark-control": the authorized_keys line
  std::string key_type;     // "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", …
  std::string fingerprint;  // "SHA256:…" (unpadded base64), as `ssh-keygen -lf` prints it
};

// DATA/ssh/id_ed25519.
std::filesystem::path DefaultSshKeyPath(const std::filesystem::path& data_dir);

// The identity to use: `configured` when set (not_found if missing), else the default key,
// generated on first call by `ssh-keygen -q -t ed25519 -N '' -C spark-control` into a
// temp dir and renamed into place (private key 0600, DATA/ssh 0700), so a crash never leaves
// half a key. Runs a process on first use: call it off the request path. storage_failed when
// generation fails (message has ssh-keygen's words; a missing ssh-keygen names the package).
Result<SshIdentity> EnsureSshIdentity(const std::filesystem::path& data_dir,
                                      const std::optional<std::string>& configured);

// Reads a private key's public half: KEY.pub when present, else the public key stored inside
// an OpenSSH-format private key. not_found / invalid_field (field ssh.key_path) otherwise.
Result<SshIdentity> LoadSshIdentity(const std::filesystem::path& private_key);

// The key type of a private key ("ssh-rsa", "ssh-ed25519", …) from KEY.pub, the OpenSSH
// container or a PEM header; empty when it cannot tell. Never fails.
std::string SshKeyType(const std::filesystem::path& private_key);

// DATA/ssh/known_hosts (OpenSSH format): stores `key_blob` (the host key as the server sent
// it) for `host_name` ("host", or "[host]:port" off port 22), replacing the lines of that name
// and keeping every other line. Calls are serialised process-wide (one read-modify-write at
// a time), so two Sparks confirmed at once both stay; the file is replaced atomically.
// invalid_field for a blob without a key type; storage_failed when the file cannot be written.
Status StoreKnownHostKey(const std::filesystem::path& known_hosts, std::string_view host_name,
                         std::string_view key_blob);

// "SHA256:" + unpadded base64 of a raw 32-byte SHA-256 digest.
std::string FormatSha256Fingerprint(std::string_view digest);
// The fingerprint of an authorized_keys / .pub line ("TYPE BASE64 [comment]").
Result<std::string> PublicKeyFingerprint(std::string_view public_key_line);

}  // namespace spark
