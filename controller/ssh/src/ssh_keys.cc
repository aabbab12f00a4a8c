#include "controller/ssh_keys.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <vector>

#include "exporter/file_io.h"

extern char** environ;

namespace spark {
namespace {

// Standard base64 (RFC 4648) through OpenSSL's EVP encoder; `pad` = false drops the '='
// (OpenSSH's SHA256: fingerprints are written without it).
std::string Base64Encode(std::string_view bytes, bool pad) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(std::max(n, 0)));
  if (!pad) {
    while (!out.empty() && out.back() == '=') out.pop_back();
  }
  return out;
}

// Decodes padded standard base64, skipping whitespace and line breaks (PEM bodies); nullopt
// on a stray character, missing padding or data after the padding.
std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max() / 2)) return std::nullopt;
  std::unique_ptr<EVP_ENCODE_CTX, decltype(&EVP_ENCODE_CTX_free)> ctx(EVP_ENCODE_CTX_new(),
                                                                      &EVP_ENCODE_CTX_free);
  if (!ctx) return std::nullopt;
  EVP_DecodeInit(ctx.get());
  std::string out(text.size() / 4 * 3 + 3, '\0');
  auto* data = reinterpret_cast<unsigned char*>(out.data());
  int n = 0;
  int tail = 0;
  if (EVP_DecodeUpdate(ctx.get(), data, &n, reinterpret_cast<const unsigned char*>(text.data()),
                       static_cast<int>(text.size())) < 0 ||
      EVP_DecodeFinal(ctx.get(), data + n, &tail) < 0) {
    return std::nullopt;
  }
  out.resize(static_cast<size_t>(n + tail));
  return out;
}

std::string Sha256(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

// Reads the SSH wire-format string at `pos` (uint32 length + bytes); nullopt past the end.
std::optional<std::string_view> ReadSshString(std::string_view blob, size_t& pos) {
  if (pos + 4 > blob.size()) return std::nullopt;
  uint32_t len = 0;
  for (int k = 0; k < 4; ++k) len = (len << 8) | static_cast<unsigned char>(blob[pos + k]);
  pos += 4;
  if (len > blob.size() - pos) return std::nullopt;
  std::string_view s = blob.substr(pos, len);
  pos += len;
  return s;
}

// The public key blob inside an "-----BEGIN OPENSSH PRIVATE KEY-----" file.
std::optional<std::string> OpenSshPublicBlob(const std::string& pem) {
  constexpr std::string_view kBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  constexpr std::string_view kEnd = "-----END OPENSSH PRIVATE KEY-----";
  const size_t b = pem.find(kBegin);
  const size_t e = pem.find(kEnd);
  if (b == std::string::npos || e == std::string::npos || e < b) return std::nullopt;
  const auto raw =
      Base64Decode(std::string_view(pem).substr(b + kBegin.size(), e - b - kBegin.size()));
  constexpr std::string_view kMagic("openssh-key-v1\0", 15);
  if (!raw || !raw->starts_with(kMagic)) return std::nullopt;
  size_t pos = kMagic.size();
  for (int k = 0; k < 3; ++k) {  // cipher, kdf name, kdf options
    if (!ReadSshString(*raw, pos)) return std::nullopt;
  }
  pos += 4;  // number of keys
  const auto pub = ReadSshString(*raw, pos);
  if (!pub) return std::nullopt;
  return std::string(*pub);
}

std::string BlobKeyType(std::string_view blob) {
  size_t pos = 0;
  const auto type = ReadSshString(blob, pos);
  return type ? std::string(*type) : std::string();
}

struct ProgramResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `argv` (no shell), stdin from /dev/null; exit_code -1 when it could not start.
ProgramResult RunProgram(const std::vector<std::string>& argv) {
  ProgramResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    result.output = std::strerror(rc);
    return result;
  }
  char buf[4096];
  ssize_t n = 0;
  while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) result.output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

Status GenerateKey(const std::filesystem::path& key) {
  const auto dir = key.parent_path();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().starts_with(".keygen-"))
      std::filesystem::remove_all(entry.path(), ec);
  }
  std::string pattern = (dir / ".keygen-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return Status::Error(ErrorCode::kStorageFailed, "cannot create a temp dir in " + dir.string() +
                                                        ": " + std::strerror(errno));
  }
  const std::filesystem::path tmp_dir = pattern;
  const auto tmp_key = tmp_dir / key.filename();
  const auto run = RunProgram({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "spark-control",
                               "-f", tmp_key.string()});
  Status status = Status::Ok();
  if (run.exit_code == -1) {
    status =
        Status::Error(ErrorCode::kStorageFailed,
                      "cannot run ssh-keygen (install the openssh-client package): " + run.output);
  } else if (run.exit_code != 0) {
    status = Status::Error(
        ErrorCode::kStorageFailed,
        "ssh-keygen failed (exit " + std::to_string(run.exit_code) + "): " + run.output);
  } else {
    chmod(tmp_key.c_str(), 0600);
    std::filesystem::rename(tmp_key.string() + ".pub", key.string() + ".pub", ec);
    if (!ec)
      std::filesystem::rename(tmp_key, key, ec);  // last: the private key's presence means done
    if (ec)
      status = Status::Error(ErrorCode::kStorageFailed,
                             "cannot move the new key into " + dir.string() + ": " + ec.message());
    SyncDirectory(dir);  // best effort, as for WriteFileAtomic: the key is in place
  }
  std::filesystem::remove_all(tmp_dir, ec);
  return status;
}

}  // namespace

std::filesystem::path DefaultSshKeyPath(const std::filesystem::path& data_dir) {
  return data_dir / "ssh" / "id_ed25519";
}

Status StoreKnownHostKey(const std::filesystem::path& known_hosts, std::string_view host_name,
                         std::string_view key_blob) {
  const std::string type = BlobKeyType(key_blob);
  if (type.empty() || host_name.empty() ||
      host_name.find_first_of(" \t\r\n") != std::string::npos) {
    return Status::Error(ErrorCode::kInvalidField, "not a host key for known_hosts");
  }
  static std::mutex file_mu;  // every known_hosts write of the process, one at a time
  std::lock_guard lock(file_mu);
  auto old = ReadFile(known_hosts);
  if (!old.ok() && old.status().code() != ErrorCode::kNotFound) {
    return Status::Error(ErrorCode::kStorageFailed, old.status().message());
  }
  std::string text;
  if (old.ok()) {
    size_t pos = 0;
    while (pos < old->size()) {
      size_t end = old->find('\n', pos);
      if (end == std::string::npos) end = old->size();
      const std::string_view line(old->data() + pos, end - pos);
      pos = end + 1;
      if (line.empty() || line.substr(0, line.find(' ')) == host_name) continue;
      text.append(line).push_back('\n');
    }
  }
  text += std::string(host_name) + " " + type + " " + Base64Encode(key_blob, /*pad=*/true) +
          " spark-control\n";
  Status s = EnsureDirectory(known_hosts.parent_path());
  if (s.ok()) s = WriteFileAtomic(known_hosts, text);
  if (!s.ok())
    return Status::Error(ErrorCode::kStorageFailed, "cannot store the host key: " + s.message());
  return Status::Ok();
}

std::string FormatSha256Fingerprint(std::string_view digest) {
  return "SHA256:" + Base64Encode(digest, /*pad=*/false);
}

Result<std::string> PublicKeyFingerprint(std::string_view line) {
  const size_t sp = line.find(' ');
  if (sp != std::string_view::npos) {
    std::string_view encoded = line.substr(sp + 1);
    encoded = encoded.substr(0, encoded.find_first_of(" \r\n"));
    const auto blob = Base64Decode(encoded);
    if (blob && !blob->empty() && BlobKeyType(*blob) == line.substr(0, sp)) {
      return FormatSha256Fingerprint(Sha256(*blob));
    }
  }
  return Status::Error(ErrorCode::kInvalidField,
                       "not a public key line (\"TYPE BASE64 [comment]\")", "ssh.key_path");
}

Result<SshIdentity> LoadSshIdentity(const std::filesystem::path& private_key) {
  auto text = ReadFile(private_key);
  if (!text.ok()) {
    return Status::Error(
        ErrorCode::kNotFound,
        "SSH key " + private_key.string() + " cannot be read: " + text.status().message(),
        "ssh.key_path");
  }
  SshIdentity id;
  id.private_key = private_key;
  if (auto pub = ReadFile(private_key.string() + ".pub"); pub.ok()) {
    std::string line = pub.value();
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    id.public_key = line;
  } else if (auto blob = OpenSshPublicBlob(text.value())) {
    id.public_key = BlobKeyType(*blob) + " " + Base64Encode(*blob, /*pad=*/true);
  } else {
    return Status::Error(
        ErrorCode::kInvalidField,
        "cannot tell the public key of " + private_key.string() +
            ": keep its .pub next to it or use an OpenSSH-format key (ssh-keygen -t ed25519)",
        "ssh.key_path");
  }
  auto fingerprint = PublicKeyFingerprint(id.public_key);
  if (!fingerprint.ok()) return fingerprint.status();
  id.fingerprint = fingerprint.value();
  id.key_type = id.public_key.substr(0, id.public_key.find(' '));
  return id;
}

std::string SshKeyType(const std::filesystem::path& private_key) {
  if (auto pub = ReadFile(private_key.string() + ".pub"); pub.ok()) {
    return pub.value().substr(0, pub.value().find(' '));
  }
  auto text = ReadFile(private_key);
  if (!text.ok()) return {};
  if (auto blob = OpenSshPublicBlob(text.value())) return BlobKeyType(*blob);
  if (text.value().find("BEGIN RSA PRIVATE KEY") != std::string::npos) return "ssh-rsa";
  if (text.value().find("BEGIN EC PRIVATE KEY") != std::string::npos) return "ecdsa";
  return {};
}

Result<SshIdentity> EnsureSshIdentity(const std::filesystem::path& data_dir,
                                      const std::optional<std::string>& configured) {
  if (configured && !configured->empty()) return LoadSshIdentity(*configured);
  static std::mutex generate_mu;  // two first callers must not both generate
  std::lock_guard lock(generate_mu);
  const auto key = DefaultSshKeyPath(data_dir);
  if (Status s = EnsureDirectory(key.parent_path()); !s.ok()) return s;
  chmod(key.parent_path().c_str(), 0700);
  std::error_code ec;
  if (!std::filesystem::exists(key, ec)) {
    if (Status s = GenerateKey(key); !s.ok()) return s;
  }
  return LoadSshIdentity(key);
}

}  // namespace spark
