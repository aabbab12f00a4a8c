#include "web/request_bodies.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "controller/config.h"
#include "exporter/report_stats.h"

namespace spark {
namespace {

using json = nlohmann::json;

bool KnownService(const Config& config, const std::string& name) {
  return name == "vllm" || config.services.count(name) > 0;
}

}  // namespace

Result<HealthReport> ParseHealthReport(const json& body, const Config& config) {
  HealthReport report;
  const auto service = body.find("service");
  if (service == body.end() || service->is_null()) {
    return Status::Error(ErrorCode::kMissingField, "`service` is required", "service");
  }
  if (!service->is_string()) {
    return Status::Error(ErrorCode::kInvalidField, "`service` must be a string", "service");
  }
  report.service = service->get<std::string>();
  if (!KnownService(config, report.service)) {
    return Status::Error(ErrorCode::kUnknownService,
                         "`service` must be vllm or a configured service, not '" +
                             report.service.substr(0, 64) + "'",
                         "service");
  }
  const auto ok = body.find("ok");
  if (ok == body.end() || ok->is_null()) {
    return Status::Error(ErrorCode::kMissingField, "`ok` is required", "ok");
  }
  if (!ok->is_boolean())
    return Status::Error(ErrorCode::kInvalidField, "`ok` must be true or false", "ok");
  report.ok = ok->get<bool>();
  if (const auto source = body.find("source"); source != body.end() && !source->is_null()) {
    if (!source->is_string()) {
      return Status::Error(ErrorCode::kInvalidField, "`source` must be a string", "source");
    }
    report.source = source->get<std::string>();
    if (report.source.size() > kMaxReportSourceBytes) {
      return Status::Error(ErrorCode::kInvalidField, "`source` must be at most 256 bytes",
                           "source");
    }
  }
  if (const auto error = body.find("error"); error != body.end() && !error->is_null()) {
    if (!error->is_string()) {
      return Status::Error(ErrorCode::kInvalidField, "`error` must be a string", "error");
    }
    report.error = error->get<std::string>();
    if (report.error.size() > static_cast<size_t>(config.limits.max_string_bytes)) {
      return Status::Error(
          ErrorCode::kInvalidField,
          "`error` must be at most " + std::to_string(config.limits.max_string_bytes) + " bytes",
          "error");
    }
  }
  if (const auto ms = body.find("ms"); ms != body.end() && !ms->is_null()) {
    if (!ms->is_number())
      return Status::Error(ErrorCode::kInvalidField, "`ms` must be a number", "ms");
    const double value = ms->get<double>();
    if (!std::isfinite(value) || value < 0) {
      return Status::Error(ErrorCode::kInvalidField, "`ms` must be a number >= 0", "ms");
    }
    report.ms = value;
  }
  return report;
}

ConnectivityEvent ReportEvent(const HealthReport& report) {
  ConnectivityEvent event;
  event.service = report.service;
  event.type = EventType::kReport;
  event.ok = report.ok;
  event.source = report.source;
  event.error = report.error;
  event.ms = report.ms;
  return event;
}

Result<std::string> ParseSwapRequest(const json& body) {
  const auto model = body.find("model");
  if (model == body.end() || model->is_null()) {
    return Status::Error(ErrorCode::kMissingField, "model is required", "model");
  }
  if (!model->is_string()) {
    return Status::Error(ErrorCode::kInvalidField, "model must be a model id", "model");
  }
  return model->get<std::string>();
}

Result<DownloadRequest> ParseDownloadRequest(const json& body) {
  DownloadRequest out;
  const auto repo = body.find("hf_repo");
  if (repo == body.end() || repo->is_null()) {
    return Status::Error(ErrorCode::kMissingField, "hf_repo is required (ORG/NAME)", "hf_repo");
  }
  if (!repo->is_string()) {
    return Status::Error(ErrorCode::kInvalidField, "hf_repo must be a repo id (ORG/NAME)",
                         "hf_repo");
  }
  out.hf_repo = repo->get<std::string>();
  const auto mode = body.find("mode");
  if (mode == body.end() || mode->is_null()) {
    return Status::Error(ErrorCode::kMissingField, "mode is required: solo or cluster", "mode");
  }
  if (!mode->is_string() || (*mode != "solo" && *mode != "cluster")) {
    return Status::Error(ErrorCode::kInvalidField,
                         "mode must be solo (Spark 1) or cluster (both Sparks)", "mode");
  }
  out.cluster = *mode == "cluster";
  if (const auto revision = body.find("revision"); revision != body.end() && !revision->is_null()) {
    if (!revision->is_string()) {
      return Status::Error(ErrorCode::kInvalidField,
                           "revision must be a branch, tag or commit (text)", "revision");
    }
    out.revision = revision->get<std::string>();
  }
  return out;
}

Result<std::string> ParseKnownHostsRequest(const json& body) {
  const auto fingerprint = body.find("fingerprint");
  if (fingerprint == body.end() || fingerprint->is_null()) {
    return Status::Error(ErrorCode::kMissingField, "fingerprint is required", "fingerprint");
  }
  if (!fingerprint->is_string() ||
      !fingerprint->get_ref<const std::string&>().starts_with("SHA256:")) {
    return Status::Error(ErrorCode::kInvalidField,
                         "fingerprint must be the SHA256:… text the Spark presents", "fingerprint");
  }
  return fingerprint->get<std::string>();
}

}  // namespace spark
