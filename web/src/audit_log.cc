#include "web/audit_log.h"

#include <strings.h>

#include <nlohmann/json.hpp>

#include "exporter/log.h"
#include "exporter/time_format.h"
#include "web/request_guard.h"

namespace spark {
namespace {

constexpr size_t kMaxPathBytes = 256;

std::string Cut(std::string_view s) { return std::string(s.substr(0, kMaxPathBytes)); }

}  // namespace

bool IsAudited(const Request& request, const Route* route, int status) {
  const std::string& m = request.method;
  if (m == "GET" || m == "HEAD" || m == "OPTIONS") return false;
  if (route != nullptr && route->access == Access::kReport) return status == 401 || status == 403;
  return true;
}

std::string TokenKind(const Request& request, const Config& config) {
  constexpr std::string_view kPrefix = "bearer ";
  const std::string_view header = request.Header("Authorization");
  if (header.size() <= kPrefix.size() ||
      strncasecmp(header.data(), kPrefix.data(), kPrefix.size()) != 0) {
    return "none";
  }
  const std::string_view token = header.substr(kPrefix.size());
  if (config.auth.token && ConstantTimeEquals(token, *config.auth.token)) return "admin";
  if (config.auth.report_token && ConstantTimeEquals(token, *config.auth.report_token)) {
    return "report";
  }
  return "wrong";
}

AuditRecord MakeAuditRecord(const Request& request, const Route* route, int status,
                            const Config& config, WallTime now) {
  AuditRecord record;
  record.ts = now;
  record.method = Cut(request.method);
  record.path = Cut(request.path);
  if (route != nullptr) record.route = route->method + " " + route->pattern;
  for (const auto& [name, value] : request.params) record.target[name] = Cut(value);
  record.token = TokenKind(request, config);
  record.client = request.client;
  record.status = status;
  return record;
}

std::string EncodeAuditRecord(const AuditRecord& r) {
  const nlohmann::json line = {
      {"ts", FormatRfc3339(r.ts)}, {"method", r.method}, {"path", r.path},
      {"route", r.route},          {"target", r.target}, {"token", r.token},
      {"client", r.client},        {"status", r.status}};
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

AuditLog::AuditLog(AuditLogOptions options) : options_(std::move(options)) {}

Status AuditLog::Append(const AuditRecord& record) {
  const std::string line = EncodeAuditRecord(record);
  std::lock_guard lock(mu_);
  const Status status = AppendLocked(line);
  if (status.ok()) {
    if (failing_) Log(LogLevel::kInfo, "the audit log is written again");
    failing_ = false;
    return status;
  }
  ++failures_;
  last_error_ = status.message();
  if (!failing_) Log(LogLevel::kWarn, "audit log: " + status.message() + " (the request went on)");
  failing_ = true;
  return status;
}

Status AuditLog::AppendLocked(const std::string& line) {
  const std::filesystem::path active = options_.dir / "audit.jsonl";
  if (!file_.is_open()) {
    if (Status s = EnsureDirectory(options_.dir); !s.ok()) return s;
    if (Status s = file_.Open(active); !s.ok()) return s;
  }
  if (file_.size() > 0 && file_.size() + line.size() + 1 > options_.max_file_bytes) {
    file_.Close();
    RotateLogFiles(options_.dir, "audit", options_.keep_rotated);
    if (Status s = file_.Open(active); !s.ok()) return s;
    if (file_.size() > 0) {  // the rotation failed: stay within the bound, lose this record
      return Status::Error(ErrorCode::kIoError, "cannot rotate " + active.string());
    }
  }
  return file_.Append(line);
}

uint64_t AuditLog::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

std::optional<std::string> AuditLog::Warning() const {
  std::lock_guard lock(mu_);
  if (!failing_) return std::nullopt;
  return "the audit log " + (options_.dir / "audit.jsonl").string() + " cannot be written (" +
         std::to_string(failures_) + " records lost since start): " + last_error_;
}

}  // namespace spark
