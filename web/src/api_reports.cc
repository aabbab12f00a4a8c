// POST /api/health-event: a client app reports a call that worked or failed.
#include "exporter/log.h"
#include "web/app.h"
#include "web/json_api.h"
#include "web/request_bodies.h"
#include "web/request_guard.h"

namespace spark {

void AddReportRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"POST",
                    "/api/health-event",
                    Access::kReport,
                    [&app](const Request& request) {
                      auto body = ParseJsonBody(request);
                      if (!body.ok()) return StatusResponse(body.status());
                      auto cluster = ClusterOf(app, request);
                      if (!cluster.ok()) return StatusResponse(cluster.status());
                      const ConfigPtr config = (*cluster)->config();
                      auto report = ParseHealthReport(*body, *config);
                      if (!report.ok()) return StatusResponse(report.status());
                      ConnectivityEvent event = ReportEvent(*report);
                      event.cluster = config->cluster;
                      auto stored = app.events.Append(std::move(event));
                      if (!stored.ok()) {
                        Log(LogLevel::kError, stored.status().message());
                        return StatusResponse(stored.status());
                      }
                      Cluster& reported = **cluster;
                      const std::string label =
                          reported.sources().Label(report->source, HasAnyToken(request, *config));
                      std::optional<double> seconds;
                      if (report->ms) seconds = *report->ms / 1000.0;
                      reported.reports().Record(report->service, label, report->ok, seconds);
                      if (!report->ok) reported.poller().RequestProbe(report->service);
                      return JsonResponse(202, {{"id", stored->id}});
                    },
                    {},
                    {}});
}

}  // namespace spark
