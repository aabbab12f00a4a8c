#pragma once
// Private to the SSH executor: small RAII types over libssh2 1.10 and the connection steps
// (TCP connect, handshake, host-key check, public-key auth), all in non-blocking mode with
// poll() so the owning worker can still notice cancels. Not thread-safe: one worker thread
// owns each object.

#include <libssh2.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "exporter/clock.h"
#include "exporter/status.h"

namespace spark::ssh {

// libssh2_init, once per process (thread-safe).
void InitLibrary();

// An eventfd another thread writes to wake the worker's poll(). Thread-safe.
class Wakeup {
 public:
  Wakeup();
  ~Wakeup();
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;
  void Notify();
  void Drain();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// While a connection step waits: poll also on `wake_fd`; when it fires, `on_wake` runs and
// returns true to give up (the step then fails with `cancelled`).
struct Interrupt {
  int wake_fd = -1;
  std::function<bool()> on_wake;
};

// One channel; freed (libssh2_channel_free) on destruction. The session must outlive it.
class Channel {
 public:
  explicit Channel(LIBSSH2_CHANNEL* channel) : channel_(channel) {}
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  LIBSSH2_CHANNEL* get() const { return channel_; }

 private:
  LIBSSH2_CHANNEL* channel_;
};

// A libssh2 known_hosts collection bound to a session.
class KnownHosts {
 public:
  explicit KnownHosts(LIBSSH2_SESSION* session);
  ~KnownHosts();
  KnownHosts(const KnownHosts&) = delete;
  KnownHosts& operator=(const KnownHosts&) = delete;
  LIBSSH2_KNOWNHOSTS* get() const { return hosts_; }

 private:
  LIBSSH2_KNOWNHOSTS* hosts_;
};

struct HostKey {
  std::string blob;         // raw key as the server sent it
  int type = 0;             // LIBSSH2_HOSTKEY_TYPE_*
  std::string type_name;    // "ED25519", "ECDSA", "RSA" (as ssh-keygen -l shows it)
  std::string fingerprint;  // "SHA256:…"
};

// A TCP socket with an SSH session on it, handshake done. The destructor shuts the socket
// down first so freeing the session and its channels never waits on the network.
class SshConnection {
 public:
  // Connects to host:port (IPv4 addresses first) and completes the SSH handshake before
  // `deadline`. ssh_unreachable (message names host:port and why) or cancelled.
  static Result<std::unique_ptr<SshConnection>> Open(const std::string& host, int port,
                                                     SteadyTime deadline,
                                                     const Interrupt& interrupt);
  ~SshConnection();
  SshConnection(const SshConnection&) = delete;
  SshConnection& operator=(const SshConnection&) = delete;

  const HostKey& host_key() const { return host_key_; }
  // Checks the host key against `known_hosts` (a missing file knows no host):
  // ok, host_key_unknown or host_key_mismatch with a message saying what to compare.
  Status VerifyHostKey(const std::filesystem::path& known_hosts) const;
  // Stores the presented host key in `known_hosts`, replacing other keys of this host:port
  // (StoreKnownHostKey: atomic, serialised process-wide). storage_failed on error.
  Status TrustHostKey(const std::filesystem::path& known_hosts) const;
  // Public-key auth with `key` (public half derived by libssh2). ssh_auth_failed with the
  // cause (an RSA key gets the libssh2 1.10 explanation), ssh_unreachable, or cancelled.
  Status Authenticate(const std::string& user, const std::filesystem::path& key,
                      SteadyTime deadline, const Interrupt& interrupt);

  LIBSSH2_SESSION* session() const { return session_; }
  int fd() const { return fd_; }
  std::string Where() const { return host_ + ":" + std::to_string(port_); }
  // The last libssh2 error text.
  std::string LastError() const;
  // Bytes read from the socket since the last call (any call may read for any channel).
  uint64_t TakeReceivedBytes();
  // poll() events for what libssh2 is blocked on (POLLIN always, POLLOUT when sending).
  short PollEvents() const;

 private:
  SshConnection(std::string host, int port) : host_(std::move(host)), port_(port) {}
  Status Handshake(SteadyTime deadline, const Interrupt& interrupt);
  Status WaitForSocket(SteadyTime deadline, const Interrupt& interrupt,
                       const std::string& step) const;
  std::string KnownHostsName() const;
  static ssize_t Receive(libssh2_socket_t fd, void* buffer, size_t length, int flags,
                         void** abstract);
  static ssize_t Send(libssh2_socket_t fd, const void* buffer, size_t length, int flags,
                      void** abstract);

  std::string host_;
  int port_;
  int fd_ = -1;
  LIBSSH2_SESSION* session_ = nullptr;
  HostKey host_key_;
  uint64_t received_ = 0;
};

}  // namespace spark::ssh
