// POST /api/health-event: a client app reports a call that worked or failed.
#include <cmath>

#include "exporter/log.h"
#include "web/app.h"
#include "web/json_api.h"
#include "web/request_guard.h"

namespace spark {
namespace {

using json = nlohmann::json;

struct HealthReport {
  std::string service;
  bool ok = false;
  std::string source;
  std::string error;
  std::optional<double> ms;
};

bool KnownService(const Config& config, const std::string& name) {
  return name == "vllm" || config.services.count(name) > 0;
}

// Validates the body field by field; the first problem names its field.
Result<HealthReport> ParseHealthReport(const json& body, const Config& config) {
  HealthReport report;
  const auto service = body.find("service");
  if (service == body.end() || service->is_null()) {
    return Status::Error("missing_field", "`service` is required", "service");
  }
  if (!service->is_string()) return Status::Error("invalid_field", "`service` must be a string", "service");
  report.service = service->get<std::string>();
  if (!KnownService(config, report.service)) {
    return Status::Error("unknown_service",
                         "`service` must be vllm or a configured service, not '" +
                             report.service.substr(0, 64) + "'",
                         "service");
  }
  const auto ok = body.find("ok");
  if (ok == body.end() || ok->is_null()) return Status::Error("missing_field", "`ok` is required", "ok");
  if (!ok->is_boolean()) return Status::Error("invalid_field", "`ok` must be true or false", "ok");
  report.ok = ok->get<bool>();
  if (const auto source = body.find("source"); source != body.end() && !source->is_null()) {
    if (!source->is_string()) return Status::Error("invalid_field", "`source` must be a string", "source");
    report.source = source->get<std::string>();
    if (report.source.size() > kMaxReportSourceBytes) {
      return Status::Error("invalid_field", "`source` must be at most 256 bytes", "source");
    }
  }
  if (const auto error = body.find("error"); error != body.end() && !error->is_null()) {
    if (!error->is_string()) return Status::Error("invalid_field", "`error` must be a string", "error");
    report.error = error->get<std::string>();
    if (report.error.size() > static_cast<size_t>(config.limits.max_string_bytes)) {
      return Status::Error("invalid_field",
                           "`error` must be at most " + std::to_string(config.limits.max_string_bytes) + " bytes",
                           "error");
    }
  }
  if (const auto ms = body.find("ms"); ms != body.end() && !ms->is_null()) {
    if (!ms->is_number()) return Status::Error("invalid_field", "`ms` must be a number", "ms");
    const double value = ms->get<double>();
    if (!std::isfinite(value) || value < 0) {
      return Status::Error("invalid_field", "`ms` must be a number >= 0", "ms");
    }
    report.ms = value;
  }
  return report;
}

}  // namespace

void AddReportRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"POST", "/api/health-event", Access::kReport,
                    [&app](const Request& request) {
                      auto body = ParseJsonBody(request);
                      if (!body.ok()) return StatusResponse(body.status());
                      const ConfigPtr config = app.config.Current();
                      auto report = ParseHealthReport(*body, *config);
                      if (!report.ok()) return StatusResponse(report.status());
                      ConnectivityEvent event;
                      event.service = report->service;
                      event.type = EventType::kReport;
                      event.ok = report->ok;
                      event.source = report->source;
                      event.error = report->error;
                      event.ms = report->ms;
                      auto stored = app.events.Append(std::move(event));
                      if (!stored.ok()) {
                        Log(LogLevel::kError, stored.status().message());
                        return StatusResponse(stored.status());
                      }
                      const std::string label =
                          app.sources.Label(report->source, HasAnyToken(request, *config));
                      std::optional<double> seconds;
                      if (report->ms) seconds = *report->ms / 1000.0;
                      app.reports.Record(report->service, label, report->ok, seconds);
                      if (!report->ok) app.poller.RequestProbe(report->service);
                      return JsonResponse(202, {{"id", stored->id}});
                    },
                    {}, {}});
}

}  // namespace spark
