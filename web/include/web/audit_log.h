#pragma once
// DATA/audit.jsonl: one JSON line per mutation the HTTP server answered — when, which route
// and target, which kind of token, from which client, with which status (API.md "Additions
// of the second wave"). Appended with one write(2) before the answer is written, rotated by
// size to audit.1.jsonl … audit.N.jsonl. A failed write never fails the request: it is
// counted, logged once per failure streak and shown as a warning. Thread-safe.

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "controller/config.h"
#include "exporter/clock.h"
#include "exporter/file_io.h"
#include "exporter/status.h"
#include "web/http.h"

namespace spark {

struct AuditRecord {
  WallTime ts{};
  std::string method;
  std::string path;   // as requested, cut to 256 bytes
  std::string route;  // the matched pattern ("DELETE /api/models/{id}"); empty when none
  std::map<std::string, std::string> target;  // the route's path parameters
  std::string token;                          // none | report | admin | wrong
  std::string client;  // the address rate limits see (trusted proxies applied)
  int status = 0;
};

// Which requests are audited: every method but GET, HEAD and OPTIONS, except report routes
// (health-event, diarization) unless refused with 401 or 403 — reports are telemetry at up
// to 100/s per client and already counted; logging them would rotate the control history away.
bool IsAudited(const Request& request, const Route* route, int status);

// The kind of bearer token a request carries, compared in constant time with the tokens of
// `config`: "none" (no bearer token), "admin", "report" or "wrong".
std::string TokenKind(const Request& request, const Config& config);

AuditRecord MakeAuditRecord(const Request& request, const Route* route, int status,
                            const Config& config, WallTime now);
// One line of JSON, no newline; invalid UTF-8 in the path is replaced.
std::string EncodeAuditRecord(const AuditRecord& record);

struct AuditLogOptions {
  std::filesystem::path dir;          // holds audit.jsonl
  uint64_t max_file_bytes = 4 << 20;  // rotate when the active file would exceed this
  int keep_rotated = 3;               // audit.1.jsonl … audit.3.jsonl: ≤ 16 MiB in all
};

class AuditLog {
 public:
  // Opens lazily: a missing or unwritable dir only makes appends fail.
  explicit AuditLog(AuditLogOptions options);
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  Status Append(const AuditRecord& record);

  // Records lost since start, and the error of the latest loss.
  uint64_t failures() const;
  // A sentence for /api/status warnings while the latest append failed; nullopt otherwise.
  std::optional<std::string> Warning() const;

 private:
  Status AppendLocked(const std::string& line);

  const AuditLogOptions options_;
  mutable std::mutex mu_;  // guards everything below
  AppendFile file_;
  uint64_t failures_ = 0;
  bool failing_ = false;
  std::string last_error_;
};

}  // namespace spark
