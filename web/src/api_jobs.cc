// Remote actions as jobs: POST /api/swap, POST /api/services/{name}/{action},
// GET /api/jobs, GET/DELETE /api/jobs/{id}, GET /api/jobs/{id}/log (SSE).
#include "web/app.h"
#include "web/json_api.h"
#include "web/request_bodies.h"
#include "web/sse_follow.h"

namespace spark {
namespace {

using nlohmann::json;

Response NoSuchJob(const std::string& id) {
  return ErrorResponse(ErrorCode::kNotFound, "no job " + id);
}

// Sends the job's log lines after `after`, then `event: end` (the final job) once it finished.
SsePublish SendJobLog(Controller& controller, const std::string& id, uint64_t& after,
                      SseStream& stream) {
  const auto read = controller.ReadLog(id, after);
  if (!read) return SsePublish::kDone;  // dropped from the bounded history while streaming
  SsePublish published = SsePublish::kNothing;
  for (const auto& line : read->lines) {
    if (!stream.Send("line", std::to_string(line.seq),
                     EncodeLogLine(line).dump(-1, ' ', false, json::error_handler_t::replace))) {
      return SsePublish::kDone;
    }
    after = line.seq;
    published = SsePublish::kWrote;
  }
  if (IsFinished(read->job.state)) {
    stream.Send("end", "",
                EncodeJob(read->job).dump(-1, ' ', false, json::error_handler_t::replace));
    return SsePublish::kDone;
  }
  return published;
}

// Replays the kept lines, follows live ones, and ends with `event: end` (the final job).
void StreamJobLog(App& app, const Request& request, SseStream& stream) {
  auto cluster = ClusterOf(app, request);
  if (!cluster.ok()) return stream.Refuse(StatusResponse(cluster.status()));
  Controller& controller = (*cluster)->controller();
  const std::string& id = request.params.at("id");
  uint64_t after = ResumeAfter(request, 0);
  if (!controller.Job(id)) return stream.Refuse(NoSuchJob(id));
  FollowOnSse(stream, app.clock, controller.feed(),
              {[&] { return SendJobLog(controller, id, after, stream); }, {}, {}});
}

// Runs `handle(controller)` with the controller of the cluster the request names.
template <typename Handle>
Response OnController(App& app, const Request& request, Handle handle) {
  auto cluster = ClusterOf(app, request);
  if (!cluster.ok()) return StatusResponse(cluster.status());
  return handle((*cluster)->controller());
}

}  // namespace

Response Accepted(const Result<JobInfo>& job) {
  if (!job.ok()) return StatusResponse(job.status());
  return JsonResponse(202, {{"job", EncodeJob(*job)}});
}

void AddJobRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"POST",
                    "/api/swap",
                    Access::kMutation,
                    [&app](const Request& request) {
                      auto body = ParseJsonBody(request);
                      if (!body.ok()) return StatusResponse(body.status());
                      auto model = ParseSwapRequest(*body);
                      if (!model.ok()) return StatusResponse(model.status());
                      return OnController(app, request, [&](Controller& controller) {
                        return Accepted(controller.Swap(*model));
                      });
                    },
                    {},
                    {}});
  routes.push_back({"POST",
                    "/api/services/{name}/{action}",
                    Access::kMutation,
                    [&app](const Request& request) {
                      return OnController(app, request, [&](Controller& controller) {
                        return Accepted(controller.ServiceAction(request.params.at("name"),
                                                                 request.params.at("action")));
                      });
                    },
                    {},
                    {}});
  routes.push_back({"GET",
                    "/api/jobs",
                    Access::kRead,
                    [&app](const Request& request) {
                      return OnController(app, request, [](Controller& controller) {
                        json jobs = json::array();
                        for (const auto& job : controller.Jobs()) jobs.push_back(EncodeJob(job));
                        return JsonResponse(200, {{"jobs", jobs}});
                      });
                    },
                    {},
                    {}});
  routes.push_back({"GET",
                    "/api/jobs/{id}",
                    Access::kRead,
                    [&app](const Request& request) {
                      return OnController(app, request, [&](Controller& controller) {
                        const auto job = controller.Job(request.params.at("id"));
                        if (!job) return NoSuchJob(request.params.at("id"));
                        return JsonResponse(200, EncodeJob(*job));
                      });
                    },
                    {},
                    {}});
  routes.push_back({"DELETE",
                    "/api/jobs/{id}",
                    Access::kMutation,
                    [&app](const Request& request) {
                      const std::string& id = request.params.at("id");
                      return OnController(app, request, [&](Controller& controller) {
                        if (Status s = controller.Cancel(id); !s.ok()) return StatusResponse(s);
                        return JsonResponse(202, {{"job", EncodeJob(*controller.Job(id))}});
                      });
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
