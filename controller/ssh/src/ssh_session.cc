#include "ssh_session.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "controller/ssh_keys.h"
#include "exporter/file_io.h"

namespace spark::ssh {
namespace {

constexpr unsigned kTcpUserTimeoutMs = 30000;  // unacknowledged data for this long = link dead

int PollMillis(SteadyTime deadline) {
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<long long>(left.count(), 0, 60000));
}

int KnownHostKeyBits(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default:
      return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

std::string HostKeyTypeName(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return "RSA";
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return "DSA";
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return "ED25519";
    default:
      return "ECDSA";
  }
}

// Resolves host:port with IPv4 addresses first (mDNS answers IPv6 first; Sparks listen on both).
std::vector<std::vector<unsigned char>> Resolve(const std::string& host, int port,
                                                std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
  std::vector<std::vector<unsigned char>> v4, v6;
  if (rc != 0) {
    error = gai_strerror(rc);
    return {};
  }
  for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(a->ai_addr);
    (a->ai_family == AF_INET ? v4 : v6).emplace_back(bytes, bytes + a->ai_addrlen);
  }
  freeaddrinfo(list);
  v4.insert(v4.end(), v6.begin(), v6.end());
  return v4;
}

}  // namespace

void InitLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
}

Wakeup::Wakeup() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
Wakeup::~Wakeup() {
  if (fd_ >= 0) close(fd_);
}
void Wakeup::Notify() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = write(fd_, &one, sizeof one);
}
void Wakeup::Drain() {
  uint64_t value = 0;
  [[maybe_unused]] const ssize_t n = read(fd_, &value, sizeof value);
}

Channel::~Channel() {
  if (channel_ != nullptr) libssh2_channel_free(channel_);
}

KnownHosts::KnownHosts(LIBSSH2_SESSION* session) : hosts_(libssh2_knownhost_init(session)) {}
KnownHosts::~KnownHosts() {
  if (hosts_ != nullptr) libssh2_knownhost_free(hosts_);
}

ssize_t SshConnection::Receive(libssh2_socket_t fd, void* buffer, size_t length, int flags,
                               void** abstract) {
  const ssize_t n = recv(fd, buffer, length, flags);
  if (n < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  static_cast<SshConnection*>(*abstract)->received_ += static_cast<uint64_t>(n);
  return n;
}

ssize_t SshConnection::Send(libssh2_socket_t fd, const void* buffer, size_t length, int flags,
                            void**) {
  const ssize_t n = send(fd, buffer, length, flags | MSG_NOSIGNAL);
  if (n < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  return n;
}

Result<std::unique_ptr<SshConnection>> SshConnection::Open(const std::string& host, int port,
                                                           SteadyTime deadline,
                                                           const Interrupt& interrupt) {
  std::unique_ptr<SshConnection> conn(new SshConnection(host, port));
  std::string error;
  const auto addresses = Resolve(host, port, error);
  if (addresses.empty()) {
    return Status::Error(ErrorCode::kSshUnreachable, "cannot resolve " + host + ": " + error);
  }
  for (const auto& address : addresses) {
    const auto* sa = reinterpret_cast<const sockaddr*>(address.data());
    const int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    if (connect(fd, sa, static_cast<socklen_t>(address.size())) != 0 && errno != EINPROGRESS) {
      error = std::strerror(errno);
      close(fd);
      continue;
    }
    conn->fd_ = fd;
    if (Status s = conn->WaitForSocket(deadline, interrupt, "connect"); !s.ok()) {
      if (s.code() == ErrorCode::kCancelled) return s;
      error = "no answer in time";
      close(fd);
      conn->fd_ = -1;
      continue;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) {
      error = std::strerror(so_error);
      close(fd);
      conn->fd_ = -1;
      continue;
    }
    break;
  }
  if (conn->fd_ < 0) {
    return Status::Error(ErrorCode::kSshUnreachable,
                         "cannot connect to " + conn->Where() + ": " + error);
  }
  const int one = 1;
  setsockopt(conn->fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(conn->fd_, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  setsockopt(conn->fd_, IPPROTO_TCP, TCP_USER_TIMEOUT, &kTcpUserTimeoutMs,
             sizeof kTcpUserTimeoutMs);
  if (Status s = conn->Handshake(deadline, interrupt); !s.ok()) return s;
  return conn;
}

Status SshConnection::Handshake(SteadyTime deadline, const Interrupt& interrupt) {
  session_ = libssh2_session_init_ex(nullptr, nullptr, nullptr, this);
  if (session_ == nullptr)
    return Status::Error(ErrorCode::kSshUnreachable, "libssh2 could not create a session");
  libssh2_session_callback_set(session_, LIBSSH2_CALLBACK_RECV,
                               reinterpret_cast<void*>(&SshConnection::Receive));
  libssh2_session_callback_set(session_, LIBSSH2_CALLBACK_SEND,
                               reinterpret_cast<void*>(&SshConnection::Send));
  libssh2_session_set_blocking(session_, 0);
  // Prefer the key type users compare (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).
  libssh2_session_method_pref(
      session_, LIBSSH2_METHOD_HOSTKEY,
      "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-rsa");
  int rc = 0;
  while ((rc = libssh2_session_handshake(session_, fd_)) == LIBSSH2_ERROR_EAGAIN) {
    if (Status s = WaitForSocket(deadline, interrupt, "SSH handshake"); !s.ok()) return s;
  }
  if (rc != 0) {
    return Status::Error(ErrorCode::kSshUnreachable,
                         "SSH handshake with " + Where() + " failed: " + LastError());
  }
  size_t len = 0;
  int type = 0;
  const char* key = libssh2_session_hostkey(session_, &len, &type);
  const char* hash = libssh2_hostkey_hash(session_, LIBSSH2_HOSTKEY_HASH_SHA256);
  if (key == nullptr || hash == nullptr) {
    return Status::Error(ErrorCode::kSshUnreachable, Where() + " sent no usable host key");
  }
  host_key_.blob.assign(key, len);
  host_key_.type = type;
  host_key_.type_name = HostKeyTypeName(type);
  host_key_.fingerprint = FormatSha256Fingerprint(std::string_view(hash, 32));
  return Status::Ok();
}

SshConnection::~SshConnection() {
  if (session_ != nullptr) {
    libssh2_session_disconnect(session_, "spark-control closing");  // one try; never waits
    if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);  // from here on every libssh2 send fails at once
    for (int i = 0; i < 100 && libssh2_session_free(session_) == LIBSSH2_ERROR_EAGAIN; ++i) {
    }
  }
  if (fd_ >= 0) close(fd_);
}

Status SshConnection::WaitForSocket(SteadyTime deadline, const Interrupt& interrupt,
                                    const std::string& step) const {
  while (true) {
    const int ms = PollMillis(deadline);
    if (ms <= 0)
      return Status::Error(ErrorCode::kSshUnreachable, step + " with " + Where() + " timed out");
    pollfd fds[2] = {{fd_, session_ == nullptr ? short{POLLOUT} : PollEvents(), 0},
                     {interrupt.wake_fd, POLLIN, 0}};
    const int n = poll(fds, interrupt.wake_fd >= 0 ? 2 : 1, ms);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0 && fds[1].revents != 0 && interrupt.on_wake && interrupt.on_wake()) {
      return Status::Error(ErrorCode::kCancelled, step + " with " + Where() + " was abandoned");
    }
    if (n > 0 && fds[0].revents != 0) return Status::Ok();
  }
}

short SshConnection::PollEvents() const {
  const int dirs = libssh2_session_block_directions(session_);
  short events = POLLIN;
  if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND) events |= POLLOUT;
  return events;
}

std::string SshConnection::LastError() const {
  char* message = nullptr;
  int len = 0;
  libssh2_session_last_error(session_, &message, &len, 0);
  return message != nullptr && len > 0 ? std::string(message, static_cast<size_t>(len))
                                       : "unknown error";
}

uint64_t SshConnection::TakeReceivedBytes() {
  const uint64_t n = received_;
  received_ = 0;
  return n;
}

std::string SshConnection::KnownHostsName() const {
  return port_ == 22 ? host_ : "[" + host_ + "]:" + std::to_string(port_);
}

Status SshConnection::VerifyHostKey(const std::filesystem::path& known_hosts) const {
  KnownHosts hosts(session_);
  std::error_code ec;
  if (hosts.get() != nullptr && std::filesystem::exists(known_hosts, ec)) {
    libssh2_knownhost_readfile(hosts.get(), known_hosts.c_str(), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
  }
  libssh2_knownhost* found = nullptr;
  const int check =
      hosts.get() == nullptr
          ? LIBSSH2_KNOWNHOST_CHECK_FAILURE
          : libssh2_knownhost_checkp(hosts.get(), host_.c_str(), port_, host_key_.blob.data(),
                                     host_key_.blob.size(),
                                     LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
                                         KnownHostKeyBits(host_key_.type),
                                     &found);
  const std::string presented = host_key_.type_name + " key " + host_key_.fingerprint;
  if (check == LIBSSH2_KNOWNHOST_CHECK_MATCH) return Status::Ok();
  if (check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
    return Status::Error(
        ErrorCode::kHostKeyMismatch,
        "the host key of " + Where() + " changed: it now presents " + presented +
            ", not the key in known_hosts. If the Spark was reinstalled or its host keys "
            "regenerated, check the new fingerprint on the Spark (ssh-keygen -lf "
            "/etc/ssh/ssh_host_*_key.pub) and confirm it; otherwise someone may be "
            "intercepting the connection.");
  }
  return Status::Error(ErrorCode::kHostKeyUnknown,
                       "first connection to " + Where() + ": it presents " + presented +
                           ". Compare it with `ssh-keygen -lf /etc/ssh/ssh_host_" +
                           (host_key_.type_name == "ED25519" ? "ed25519"
                            : host_key_.type_name == "RSA"   ? "rsa"
                                                             : "ecdsa") +
                           "_key.pub` on the Spark and confirm it.");
}

Status SshConnection::TrustHostKey(const std::filesystem::path& known_hosts) const {
  return StoreKnownHostKey(known_hosts, KnownHostsName(), host_key_.blob);
}

Status SshConnection::Authenticate(const std::string& user, const std::filesystem::path& key,
                                   SteadyTime deadline, const Interrupt& interrupt) {
  // libssh2 opens the key by name and reads it without bound: a FIFO would block the worker
  // and /dev/zero never ends. Only a regular file of a sane size gets that far.
  if (Status usable = CheckRegularFile(key); !usable.ok()) {
    return Status::Error(ErrorCode::kSshAuthFailed,
                         "the SSH key cannot be used: " + usable.message());
  }
  int rc = 0;
  while ((rc = libssh2_userauth_publickey_fromfile_ex(
              session_, user.c_str(), static_cast<unsigned>(user.size()), nullptr, key.c_str(),
              nullptr)) == LIBSSH2_ERROR_EAGAIN) {
    if (Status s = WaitForSocket(deadline, interrupt, "authentication"); !s.ok()) return s;
  }
  if (rc == 0) return Status::Ok();
  const std::string login = user + "@" + Where();
  if (rc == LIBSSH2_ERROR_FILE) {
    return Status::Error(ErrorCode::kSshAuthFailed, "cannot use the SSH key " + key.string() +
                                                        " (unreadable, encrypted or "
                                                        "an unsupported format): " +
                                                        LastError());
  }
  if (rc != LIBSSH2_ERROR_AUTHENTICATION_FAILED && rc != LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED &&
      rc != LIBSSH2_ERROR_METHOD_NOT_SUPPORTED) {
    return Status::Error(ErrorCode::kSshUnreachable,
                         "authentication with " + Where() + " failed: " + LastError());
  }
  if (SshKeyType(key) == "ssh-rsa") {
    return Status::Error(
        ErrorCode::kSshAuthFailed,
        login + " refused the RSA key " + key.string() +
            ": libssh2 1.10 signs RSA keys only with SHA-1 (ssh-rsa), which OpenSSH 8.8 and later "
            "reject "
            "(it lacks rsa-sha2-256/512, libssh2#634). Use an ed25519 key: unset ssh.key_path / "
            "SSH_KEY_PATH to "
            "use the key spark-control generated (GET /api/ssh/public-key shows the line for "
            "~/.ssh/authorized_keys on the Spark), or create one with `ssh-keygen -t ed25519`.");
  }
  return Status::Error(ErrorCode::kSshAuthFailed,
                       login + " refused the key " + key.string() +
                           ". Add its public key (GET /api/ssh/public-key) "
                           "to ~/.ssh/authorized_keys of " +
                           user + " on the Spark.");
}

}  // namespace spark::ssh
