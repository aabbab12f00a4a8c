// The model catalog: GET/POST /api/models, DELETE /api/models/{id},
// PUT /api/models/{id}/overrides.
#include "controller/command_builder.h"
#include "web/app.h"
#include "web/json_api.h"

namespace spark {
namespace {

using nlohmann::json;

json ModelJson(const CatalogEntry& entry, const CommandBuilder& builder,
               const std::optional<std::string>& current_id) {
  const CatalogModel& m = entry.model;
  auto command = builder.LaunchDisplay(LaunchSpecFor(m, entry.overrides));
  json out = {{"id", m.id},
              {"name", m.name},
              {"hf_repo", m.hf_repo},
              {"served_name", m.served_name ? json(*m.served_name) : json()},
              {"mode", ModeName(m.mode)},
              {"args", m.args},
              {"overrides", EncodeOverrides(entry.overrides)},
              {"source", m.source == ModelSource::kBundled ? "bundled" : "custom"},
              {"current", current_id == m.id},
              {"command", command.ok() ? json(*command) : json()},
              {"swap_timeout_s", m.swap_timeout_s ? json(*m.swap_timeout_s) : json()}};
  return out;
}

// How the catalog looks from the cluster a request names: its launch lines (its remote
// settings) and the catalog id of what its vLLM serves now (from the latest probe).
struct ClusterModels {
  CommandBuilder builder;
  std::optional<std::string> current;
};

ClusterModels ModelsOf(App& app, Cluster& cluster) {
  ClusterModels view{CommandBuilder(RemoteSettings::FromConfig(*cluster.config())), std::nullopt};
  if (const auto served = ServedModel(*cluster.poller().Current())) {
    if (const auto entry = app.catalog.FindServed(*served)) view.current = entry->model.id;
  }
  return view;
}

// A catalog entry as the request's cluster sees it (the route checked `?cluster=` already; a
// cluster removed meanwhile shows as the default one's).
json ModelFor(App& app, const Request& request, const CatalogEntry& entry) {
  auto cluster = ClusterOf(app, request);
  const ClusterPtr chosen = cluster.ok() ? *cluster : app.clusters.Default();
  const ClusterModels view = ModelsOf(app, *chosen);
  return ModelJson(entry, view.builder, view.current);
}

// What the operator file allows in vLLM args (config `security`).
VllmArgsPolicy ArgsPolicy(App& app) {
  return {.allow_trust_remote_code = app.config.Current()->security.allow_trust_remote_code};
}

}  // namespace

void AddModelRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"GET",
                    "/api/models",
                    Access::kRead,
                    [&app](const Request& request) {
                      auto cluster = ClusterOf(app, request);
                      if (!cluster.ok()) return StatusResponse(cluster.status());
                      const ClusterModels view = ModelsOf(app, **cluster);
                      json models = json::array();
                      for (const auto& entry : app.catalog.List()) {
                        models.push_back(ModelJson(entry, view.builder, view.current));
                      }
                      return JsonResponse(200, {{"models", models}});
                    },
                    {},
                    {}});
  routes.push_back({"POST",
                    "/api/models",
                    Access::kMutation,
                    [&app](const Request& request) {
                      auto body = ParseJsonBody(request);
                      if (!body.ok()) return StatusResponse(body.status());
                      auto model = DecodeCustomModel(*body, ArgsPolicy(app));
                      if (!model.ok()) return StatusResponse(model.status());
                      auto added = app.catalog.Add(std::move(model).value());
                      if (!added.ok()) return StatusResponse(added.status());
                      return JsonResponse(201, {{"model", ModelFor(app, request, *added)}});
                    },
                    {},
                    {}});
  routes.push_back({"DELETE",
                    "/api/models/{id}",
                    Access::kMutation,
                    [&app](const Request& request) {
                      if (Status s = app.catalog.Remove(request.params.at("id")); !s.ok()) {
                        return StatusResponse(s);
                      }
                      Response response;
                      response.status = 204;
                      return response;
                    },
                    {},
                    {}});
  routes.push_back({"PUT",
                    "/api/models/{id}/overrides",
                    Access::kMutation,
                    [&app](const Request& request) {
                      auto body = ParseJsonBody(request);
                      if (!body.ok()) return StatusResponse(body.status());
                      auto patched = app.catalog.PatchOverrides(request.params.at("id"), *body,
                                                                ArgsPolicy(app));
                      if (!patched.ok()) return StatusResponse(patched.status());
                      return JsonResponse(200, {{"model", ModelFor(app, request, *patched)}});
                    },
                    {},
                    {}});
}

}  // namespace spark
