// Remote actions as jobs: POST /api/swap, POST /api/services/{name}/{action},
// GET /api/jobs, GET/DELETE /api/jobs/{id}, GET /api/jobs/{id}/log (SSE).
#include "web/app.h"
#include "web/json_api.h"
#include "web/request_bodies.h"

namespace spark {
namespace {

using nlohmann::json;

constexpr auto kJobLogPingEvery = std::chrono::seconds(15);

Response Accepted(const Result<JobInfo>& job) {
  if (!job.ok()) return StatusResponse(job.status());
  return JsonResponse(202, {{"job", EncodeJob(*job)}});
}

Response NoSuchJob(const std::string& id) {
  return ErrorResponse(ErrorCode::kNotFound, "no job " + id);
}

// Replays the kept lines, follows live ones, and ends with `event: end` (the final job).
void StreamJobLog(App& app, const Request& request, SseStream& stream) {
  const std::string& id = request.params.at("id");
  uint64_t after = 0;
  if (const auto resume = request.Header("Last-Event-ID"); !resume.empty()) {
    after = std::strtoull(std::string(resume).c_str(), nullptr, 10);
  }
  if (!app.controller.Job(id)) return stream.Refuse(NoSuchJob(id));
  ChangeFeed& feed = app.controller.feed();
  uint64_t seen = feed.version();
  auto last_write = app.clock.Now();
  if (!stream.Comment("connected")) return;
  while (!stream.stopping()) {
    const auto read = app.controller.ReadLog(id, after);
    if (!read) return;  // dropped from the bounded history while streaming
    for (const auto& line : read->lines) {
      if (!stream.Send("line", std::to_string(line.seq),
                       EncodeLogLine(line).dump(-1, ' ', false, json::error_handler_t::replace))) {
        return;
      }
      after = line.seq;
      last_write = app.clock.Now();
    }
    if (IsFinished(read->job.state)) {
      stream.Send("end", "",
                  EncodeJob(read->job).dump(-1, ' ', false, json::error_handler_t::replace));
      return;
    }
    if (app.clock.Now() - last_write >= kJobLogPingEvery) {
      if (!stream.Comment("ping")) return;
      last_write = app.clock.Now();
    }
    seen = feed.WaitNewer(seen, app.clock, last_write + kJobLogPingEvery,
                          [&] { return stream.stopping(); });
  }
}

}  // namespace

void AddJobRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"POST",
                    "/api/swap",
                    Access::kMutation,
                    [&app](const Request& request) {
                      auto body = ParseJsonBody(request);
                      if (!body.ok()) return StatusResponse(body.status());
                      auto model = ParseSwapRequest(*body);
                      if (!model.ok()) return StatusResponse(model.status());
                      return Accepted(app.controller.Swap(*model));
                    },
                    {},
                    {}});
  routes.push_back({"POST",
                    "/api/services/{name}/{action}",
                    Access::kMutation,
                    [&app](const Request& request) {
                      return Accepted(app.controller.ServiceAction(request.params.at("name"),
                                                                   request.params.at("action")));
                    },
                    {},
                    {}});
  routes.push_back({"GET",
                    "/api/jobs",
                    Access::kRead,
                    [&app](const Request&) {
                      json jobs = json::array();
                      for (const auto& job : app.controller.Jobs()) jobs.push_back(EncodeJob(job));
                      return JsonResponse(200, {{"jobs", jobs}});
                    },
                    {},
                    {}});
  routes.push_back({"GET",
                    "/api/jobs/{id}",
                    Access::kRead,
                    [&app](const Request& request) {
                      const auto job = app.controller.Job(request.params.at("id"));
                      if (!job) return NoSuchJob(request.params.at("id"));
                      return JsonResponse(200, EncodeJob(*job));
                    },
                    {},
                    {}});
  routes.push_back({"DELETE",
                    "/api/jobs/{id}",
                    Access::kMutation,
                    [&app](const Request& request) {
                      const std::string& id = request.params.at("id");
                      if (Status s = app.controller.Cancel(id); !s.ok()) return StatusResponse(s);
                      return JsonResponse(202, {{"job", EncodeJob(*app.controller.Job(id))}});
                    },
                    {},
                    {}});
  Route log;
  log.method = "GET";
  log.pattern = "/api/jobs/{id}/log";
  log.stream = [&app](const Request& request, SseStream& out) { StreamJobLog(app, request, out); };

  routes.push_back(std::move(log));
}

}  // namespace spark
