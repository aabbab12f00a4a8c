// Several clusters from one real spark-control (docs/api.md "Several clusters"): the default
// cluster `lab` and `prod` from the operator file, each with its own vLLM and speech service on
// loopback. Every route of the route table but the page refuses a cluster that does not
// exist; the clusters are listed; endpoints, reports and events stay with their cluster; a
// cluster added and removed through PUT /api/config comes and goes without a restart.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/eventually.h"
#include "support/http.h"
#include "support/in_process_app.h"
#include "support/loopback_server.h"
#include "support/model_names.h"
#include "support/process.h"
#include "support/simulated_controller.h"

namespace spark::test {
namespace {

using json = nlohmann::json;

constexpr const char* kProdModel = "acme/prod-model-7b";  // not in the catalog
const std::vector<std::string> kAdmin = {"Authorization: Bearer cluster-admin"};

// Method and path pattern of every route of AppRoutes, and whether it is an event stream.
struct RouteEntry {
  std::string method;
  std::string pattern;
  bool streams = false;
};

std::vector<RouteEntry> RouteTable() {
  ServedModel served;
  const InProcessApp in_process(
      [](const std::filesystem::path& dir) {
        ConfigSources sources;
        sources.overlay_file = dir / "config.yaml";
        return sources;
      },
      [&served] { return std::make_unique<FakeVllmHttp>(served); }, "test");
  std::vector<RouteEntry> table;
  for (const Route& route : in_process.routes) {
    table.push_back({route.method, route.pattern, static_cast<bool>(route.stream)});
  }
  return table;
}

// A concrete path for a pattern: each `{param}` replaced by a plausible value.
std::string PathFor(const std::string& pattern) {
  static const std::map<std::string, std::string> kValues = {
      {"id", "j1"},        {"name", "prod"}, {"action", "restart"},
      {"spark", "spark1"}, {"dir", "lib"},   {"file", "app.js"}};
  std::string path;
  size_t at = 0;
  while (at < pattern.size()) {
    const size_t open = pattern.find('{', at);
    if (open == std::string::npos) break;
    const size_t close = pattern.find('}', open);
    path += pattern.substr(at, open - at);
    const auto value = kValues.find(pattern.substr(open + 1, close - open - 1));
    path += value == kValues.end() ? "x" : value->second;
    at = close + 1;
  }
  return path + pattern.substr(at);
}

// The request a route takes, with the admin token (a JSON body for POST and PUT).
Reply Send(const std::string& method, const std::string& url) {
  if (method == "POST" || method == "PUT") return SendJson(method, url, "{}", kAdmin);
  return Http(method, url, {}, kAdmin);
}

class Clusters : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ / "config.yaml")
        << "cluster: lab\n"
        << "vllm: {host: 127.0.0.1, port: " << lab_vllm_.port() << "}\n"
        << "services:\n"
        << "  parakeet: {host: 127.0.0.1, port: " << lab_speech_.port() << "}\n"
        << "probe: {interval_s: 0.2, timeout_s: 0.1}\n"
        << "clusters:\n"
        << "  - " << ProdEntry() << "\n";
    app_ = std::make_unique<SparkControl>(
        std::vector<std::string>{"--config", (dir_ / "config.yaml").string(), "--data-dir",
                                 (dir_ / "data").string()},
        std::map<std::string, std::string>{{"SPARK_CONTROL_TOKEN", "cluster-admin"}});
  }

  // The `prod` entry of `clusters`, as YAML flow (and JSON) text.
  std::string ProdEntry() const {
    return json{{"name", "prod"},
                {"vllm", {{"host", "127.0.0.1"}, {"port", prod_vllm_.port()}}},
                {"services",
                 {{"parakeet", {{"host", "127.0.0.1"}, {"port", prod_speech_.port()}}},
                  {"magpie", nullptr}}}}
        .dump();
  }

  std::string Url(const std::string& path) const { return app_->url() + path; }
  json GetJson(const std::string& path) const {
    const Reply reply = Get(Url(path));
    EXPECT_EQ(reply.status, 200) << path << ": " << reply.body << reply.error
                                 << (reply.status == 0 ? app_->StderrText() : "");
    return reply.status == 200 ? json::parse(reply.body) : json();
  }
  // Waits until both vLLMs and both speech services are up.
  bool BothClustersUp() const {
    return Eventually([&] {
      const json clusters = GetJson("/api/clusters")["clusters"];
      if (clusters.size() != 2) return false;
      for (const json& cluster : clusters) {
        if (cluster["services_up"] != 2 || cluster["model"].is_null()) return false;
      }
      return true;
    });
  }

  LoopbackServer lab_vllm_{Behaviour::kOk, VllmModelsBody(kQwen36)};
  LoopbackServer lab_speech_{Behaviour::kOk, "{\"status\":\"ok\"}"};
  LoopbackServer prod_vllm_{Behaviour::kOk, VllmModelsBody(kProdModel)};
  LoopbackServer prod_speech_{Behaviour::kOk, "{\"status\":\"ok\"}"};
  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
};

TEST_F(Clusters, EveryRouteRefusesAClusterThatDoesNotExist) {
  const std::vector<RouteEntry> table = RouteTable();
  ASSERT_GE(table.size(), 28u);
  for (const RouteEntry& route : table) {
    const std::string path = PathFor(route.pattern);
    for (const std::string& name : {std::string("nope"), std::string()}) {
      SCOPED_TRACE(route.method + " " + path + "?cluster=" + name);
      const Reply reply = Send(route.method, Url(path + "?cluster=" + name));
      if (route.pattern == "/") {  // the page opens on the default cluster with a note
        EXPECT_EQ(reply.status, 200);
        continue;
      }
      EXPECT_EQ(reply.status, 404) << reply.body;
      EXPECT_EQ(ErrorCode(reply), "not_found");
      EXPECT_EQ(ErrorField(reply), "cluster");
      if (!name.empty()) {
        EXPECT_NE(reply.body.find("nope"), std::string::npos) << reply.body;
      }
    }
  }
}

TEST_F(Clusters, EveryReadAcceptsAClusterThatExists) {
  for (const RouteEntry& route : RouteTable()) {
    if (route.method != "GET" || route.streams) continue;
    for (const std::string name : {"lab", "prod"}) {
      const std::string path = PathFor(route.pattern) + "?cluster=" + name;
      const Reply reply = Get(Url(path));
      EXPECT_NE(ErrorField(reply), "cluster") << path << ": " << reply.body;
      EXPECT_NE(reply.status, 0) << path << ": " << reply.error;
    }
  }
}

TEST_F(Clusters, ListsEveryClusterWithItsModelServicesAndJobs) {
  ASSERT_TRUE(BothClustersUp()) << GetJson("/api/clusters");
  const json clusters = GetJson("/api/clusters")["clusters"];
  EXPECT_EQ(clusters[0], json({{"name", "lab"},
                               {"default", true},
                               {"model", "qwen36"},  // the catalog id of what vLLM serves
                               {"services_up", 2},
                               {"services_total", 3},  // magpie has no host
                               {"jobs_running", 0}}));
  EXPECT_EQ(clusters[1], json({{"name", "prod"},
                               {"default", false},
                               {"model", kProdModel},  // not in the catalog: the served name
                               {"services_up", 2},
                               {"services_total", 2},
                               {"jobs_running", 0}}));
  EXPECT_EQ(GetJson("/api/status")["cluster"], "lab");
  EXPECT_EQ(GetJson("/api/status?cluster=prod")["cluster"], "prod");
  const std::string metrics = Get(Url("/metrics?cluster=prod")).body;
  for (const std::string cluster : {"lab", "prod"}) {
    EXPECT_EQ(MetricValue(metrics, "spark_control_service_up{cluster=\"" + cluster +
                                       "\",service=\"vllm\",kind=\"llm\"}"),
              1)
        << cluster;
  }
}

TEST_F(Clusters, EachClusterHasItsOwnEndpoints) {
  ASSERT_TRUE(BothClustersUp());
  const json by_name = GetJson("/api/clusters/prod/endpoints");
  EXPECT_EQ(by_name, GetJson("/api/endpoints?cluster=prod"));
  EXPECT_EQ(by_name["vllm"]["model"], kProdModel);
  EXPECT_EQ(by_name["vllm"]["base_url"],
            "http://127.0.0.1:" + std::to_string(prod_vllm_.port()) + "/v1");
  const json lab = GetJson("/api/endpoints");
  EXPECT_EQ(lab, GetJson("/api/clusters/lab/endpoints"));
  EXPECT_EQ(lab["vllm"]["model"], kQwen36);
  EXPECT_NE(lab, by_name);

  const Reply unknown = Get(Url("/api/clusters/nope/endpoints"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorField(unknown), "cluster");
  EXPECT_NE(unknown.body.find("nope"), std::string::npos) << unknown.body;
}

// The ids of a page's events, each of which must belong to `cluster`.
std::vector<uint64_t> ReportIds(const json& page, const std::string& cluster) {
  std::vector<uint64_t> ids;
  for (const json& event : page["events"]) {
    EXPECT_EQ(event["cluster"], cluster) << event;
    ids.push_back(event["id"].get<uint64_t>());
  }
  return ids;
}

TEST_F(Clusters, AReportStaysWithTheClusterItNames) {
  const Reply posted = SendJson(
      "POST", Url("/api/health-event?cluster=prod"),
      R"({"service":"parakeet","ok":false,"source":"clusters-test","error":"HTTP 503"})", kAdmin);
  ASSERT_EQ(posted.status, 202) << posted.body;
  const uint64_t id = json::parse(posted.body)["id"].get<uint64_t>();

  const std::vector<uint64_t> prod =
      ReportIds(GetJson("/api/events?cluster=prod&type=report"), "prod");
  EXPECT_EQ(prod, std::vector<uint64_t>{id});
  const std::vector<uint64_t> lab = ReportIds(GetJson("/api/events?type=report"), "lab");
  EXPECT_TRUE(lab.empty());
  EXPECT_TRUE(ReportIds(GetJson("/api/events?cluster=lab&type=report"), "lab").empty());
  // Transitions too carry their cluster.
  const json transitions = GetJson("/api/events?cluster=prod&type=transition");
  for (const json& event : transitions["events"]) {
    EXPECT_EQ(event["cluster"], "prod") << event;
  }
}

TEST_F(Clusters, AClusterAddedAndRemovedLiveComesAndGoes) {
  LoopbackServer edge_vllm(Behaviour::kOk, VllmModelsBody(kQwen36));
  const std::string edge = json{{"name", "edge"},
                                {"vllm", {{"host", "127.0.0.1"}, {"port", edge_vllm.port()}}},
                                {"services", {{"parakeet", nullptr}, {"magpie", nullptr}}}}
                               .dump();
  const Reply added = SendJson("PUT", Url("/api/config"),
                               "{\"clusters\":[" + ProdEntry() + "," + edge + "]}", kAdmin);
  ASSERT_EQ(added.status, 200) << added.body;
  const json names = GetJson("/api/clusters")["clusters"];
  ASSERT_EQ(names.size(), 3u) << names;
  EXPECT_EQ(names[2]["name"], "edge");
  EXPECT_EQ(GetJson("/api/status?cluster=edge")["cluster"], "edge");
  EXPECT_NE(Get(Url("/metrics")).body.find("cluster=\"edge\""), std::string::npos);
  EXPECT_TRUE(Eventually(
      [&] { return GetJson("/api/clusters/edge/endpoints")["vllm"].value("ready", false); }));

  // A stream of the cluster ends when the cluster goes.
  std::atomic<bool> connected{false};
  std::atomic<bool> finished{false};
  std::thread stream([&] {
    ReadStream(Url("/api/events/stream?cluster=edge"), {}, 20000, [&](const std::string& so_far) {
      if (so_far.find(": connected") != std::string::npos) connected = true;
      return false;
    });
    finished = true;
  });
  EXPECT_TRUE(Eventually([&] { return connected.load(); }));
  const Reply removed = SendJson("PUT", Url("/api/config"), R"({"clusters":null})", kAdmin);
  EXPECT_EQ(removed.status, 200) << removed.body;
  EXPECT_TRUE(Eventually([&] { return finished.load(); }, std::chrono::seconds(10)))
      << "the stream of a removed cluster did not end";
  stream.join();

  const json after = GetJson("/api/clusters")["clusters"];
  ASSERT_EQ(after.size(), 2u) << after;
  EXPECT_EQ(after[1]["name"], "prod");  // back to the operator file's list
  for (const std::string path : {"/api/status?cluster=edge", "/api/clusters/edge/endpoints"}) {
    const Reply gone = Get(Url(path));
    EXPECT_EQ(gone.status, 404) << path;
    EXPECT_EQ(ErrorField(gone), "cluster") << path;
  }
  EXPECT_EQ(Get(Url("/metrics")).body.find("cluster=\"edge\""), std::string::npos);
}

}  // namespace
// Removing a cluster that runs a job would cancel the job as a side effect of a settings change:
// PUT /api/config refuses it naming the job, and takes it once the job has ended.
TEST(ClusterRemoval, WaitsForTheClustersRunningJob) {
  TempDir dir;
  SparkControl app({"--demo", "--data-dir", dir.path().string()});
  // The demo's simulated swap streams a start-up log for about 10 s.
  const Reply swap =
      SendJson("POST", app.url() + "/api/swap?cluster=prod", R"({"model":"qwen36"})");
  ASSERT_EQ(swap.status, 202) << swap.body;
  const std::string id = json::parse(swap.body)["job"]["id"];
  EXPECT_EQ(json::parse(swap.body)["job"]["cluster"], "prod");

  const Reply refused = SendJson("PUT", app.url() + "/api/config", R"({"clusters":[]})");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(ErrorCode(refused), "job_running") << refused.body;
  EXPECT_NE(refused.body.find(id), std::string::npos) << refused.body;
  EXPECT_EQ(Get(app.url() + "/api/status?cluster=prod").status, 200) << "prod was removed anyway";

  ASSERT_EQ(Http("DELETE", app.url() + "/api/jobs/" + id + "?cluster=prod").status, 202);
  EXPECT_TRUE(Eventually(
      [&] {
        const Reply job = Get(app.url() + "/api/jobs/" + id + "?cluster=prod");
        return job.status == 200 && json::parse(job.body)["ended_at"].is_string();
      },
      std::chrono::seconds(20)));
  const Reply taken = SendJson("PUT", app.url() + "/api/config", R"({"clusters":[]})");
  EXPECT_EQ(taken.status, 200) << taken.body;
  EXPECT_EQ(Get(app.url() + "/api/status?cluster=prod").status, 404);
}

}  // namespace spark::test
