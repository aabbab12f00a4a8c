// The SSH connection of one Spark's worker (ssh_worker.h): connecting with the host-key
// check and the confirms waiting on it, backoff after a failure, keepalives, and dropping a
// connection that was lost. Runs on the worker thread only.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

#include "exporter/log.h"
#include "ssh_worker.h"

namespace spark::ssh {
namespace {

Status KeyConflict(const std::string& spark, const HostKey& key, const std::string& fingerprint) {
  return Status::Error(ErrorCode::kConflict, spark + " presents " + key.type_name + " key " +
                                                 key.fingerprint + ", not " + fingerprint);
}

}  // namespace

void SparkWorker::Connect() {
  const SshLogin login = *settings_.login;
  const SteadyTime deadline = ConnectDeadline();
  Interrupt interrupt{wake_->fd(), [this] { return ConnectAbandoned(); }};
  RemoteOutcome failure;
  auto opened = SshConnection::Open(login.host, login.port, deadline, interrupt);
  std::unique_ptr<SshConnection> conn;
  if (!opened.ok()) {
    failure.status = opened.status();
  } else {
    conn = std::move(opened).value();
    failure.status = CheckHostKey(*conn);
    if (!failure.status.ok()) {
      failure.fingerprint = conn->host_key().fingerprint;
    } else {
      failure.status = conn->Authenticate(login.user, settings_.key_path, deadline, interrupt);
    }
  }
  for (auto& c : confirms_) c->result.set_value(failure.status);
  confirms_.clear();
  if (failure.status.ok()) return Connected(std::move(conn), login);
  ConnectFailed(failure);
}

// A network wait: its deadline is real time (a confirm's deadline on the clock converted).
SteadyTime SparkWorker::ConnectDeadline() const {
  const SteadyTime real_now = std::chrono::steady_clock::now();
  SteadyTime deadline = real_now + settings_.connect_timeout;
  if (queued_.empty()) {
    const SteadyTime now = clock_.Now();
    for (const auto& c : confirms_) deadline = std::min(deadline, real_now + (c->deadline - now));
  }
  return deadline;
}

// Gives up when stopping, when the settings change, or when nobody waits any more. The wake
// is consumed here, so the loop goes round once more before it sleeps again.
bool SparkWorker::ConnectAbandoned() {
  wake_->Drain();
  more_ = true;
  bool waiting =
      !confirms_.empty() || std::any_of(queued_.begin(), queued_.end(), [](const auto& j) {
        return !j->internal() && !j->run->cancel_requested();
      });
  std::lock_guard lock(mu_);
  waiting = waiting || !incoming_.empty() || !incoming_confirms_.empty();
  return stop_ || new_settings_.has_value() || !waiting;
}

// Verifies the host key against known_hosts and answers the confirms waiting for this
// connection (a confirmed key is stored, and then the key is good).
Status SparkWorker::CheckHostKey(SshConnection& conn) {
  const HostKey& key = conn.host_key();
  Status host_ok = conn.VerifyHostKey(settings_.known_hosts);
  for (auto& c : confirms_) {
    if (c->fingerprint != key.fingerprint) {
      c->result.set_value(KeyConflict(spark_, key, c->fingerprint));
    } else if (host_ok.ok()) {
      c->result.set_value(Status::Ok());
    } else {
      Status trusted = conn.TrustHostKey(settings_.known_hosts);
      if (trusted.ok()) {
        host_ok = Status::Ok();
        Log(LogLevel::kInfo, spark_ + ": host key " + key.fingerprint + " confirmed and stored");
      }
      c->result.set_value(trusted);
    }
  }
  confirms_.clear();
  return host_ok;
}

void SparkWorker::Connected(std::unique_ptr<SshConnection> conn, const SshLogin& login) {
  conn_ = std::move(conn);
  libssh2_keepalive_config(conn_->session(), 0,
                           static_cast<unsigned>(Seconds(settings_.keepalive_interval)));
  next_keepalive_ = clock_.Now() + settings_.keepalive_interval;
  peer_closed_ = false;
  backoff_ = {};
  last_error_.reset();
  Log(LogLevel::kInfo, spark_ + ": connected to " + login.user + "@" + conn_->Where());
}

// Backoff: 1 s, doubling up to max_backoff; what waits for a connection fails now.
void SparkWorker::ConnectFailed(const RemoteOutcome& failure) {
  if (failure.status.code() == ErrorCode::kCancelled)
    return;  // abandoned for a stop or new settings
  backoff_ = backoff_ == Duration{} ? Duration(std::chrono::seconds(1))
                                    : std::min<Duration>(backoff_ * 2, settings_.max_backoff);
  next_attempt_ = clock_.Now() + backoff_;
  // The same failure again (a Spark that stays down, checked every 30 s) is logged once.
  const bool repeated = last_error_ && last_error_->status.code() == failure.status.code() &&
                        last_error_->status.message() == failure.status.message();
  last_error_ = failure;
  Log(repeated ? LogLevel::kDebug : LogLevel::kWarn,
      spark_ + ": " + std::string(failure.status.code_name()) + ": " + failure.status.message());
  FailQueued(failure, SteadyTime::max());
}

void SparkWorker::ResolveConfirms() {
  if (!conn_) return;
  const HostKey& key = conn_->host_key();
  for (auto& c : confirms_) {
    c->result.set_value(c->fingerprint == key.fingerprint
                            ? Status::Ok()
                            : KeyConflict(spark_, key, c->fingerprint));
  }
  confirms_.clear();
}

void SparkWorker::KeepAlive(SteadyTime now) {
  if (now < next_keepalive_) return;
  // Only with no packet half sent and room in the socket buffer: libssh2 1.10 keeps a half-sent
  // keepalive pointing at its own stack, which would block every later send. A busy link
  // proves itself anyway; try again in a second.
  pollfd p{conn_->fd(), POLLOUT, 0};
  if (send_owner_ != nullptr || poll(&p, 1, 0) != 1 || (p.revents & POLLOUT) == 0) {
    next_keepalive_ = now + std::chrono::seconds(1);
    return;
  }
  int next = 0;
  if (libssh2_keepalive_send(conn_->session(), &next) != 0) {
    DropConnection("keepalive failed: " + conn_->LastError());
    return;
  }
  next_keepalive_ =
      now + (next > 0 ? Duration(std::chrono::seconds(next)) : settings_.keepalive_interval);
}

void SparkWorker::DropConnection(const std::string& why) {
  if (!conn_) return;
  const std::string message =
      "the SSH connection to " + spark_ + " (" + conn_->Where() + ") was lost: " + why;
  Log(LogLevel::kWarn, message);
  shutdown(conn_->fd(), SHUT_RDWR);  // channel frees below then never wait on the network
  for (auto& job : active_) {
    const bool ran = job->phase != Phase::kOpening;
    job->channel.reset();
    if (job->internal()) continue;
    if (!ran && !job->retried && !job->aborted) {  // nothing ran yet: try again on a new session
      job->retried = true;
      job->phase = Phase::kQueued;
      queued_.push_front(std::move(job));
      continue;
    }
    Finish(*job, RemoteOutcome::Failed(Status::Error(ErrorCode::kSshUnreachable, message)));
  }
  active_.clear();
  std::erase_if(queued_, [](const auto& j) { return j->internal(); });
  opener_ = nullptr;
  send_owner_ = nullptr;
  conn_.reset();
  next_attempt_ = {};
}

}  // namespace spark::ssh
