// GET /api/update, POST /api/update/check|apply|rollback and /api/status `update` (docs/api.md
// "Updating spark-vllm-docker") over real HTTP on an in-process app: the route table, the
// guards and the cluster wiring of web/main.cc, with the Sparks simulated and scripted to
// answer the update check (`: spark-control-update-check;`) and the image inspect
// (`: spark-control-image;`) as the test says.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/eventually.h"
#include "support/http.h"
#include "support/in_process_app.h"
#include "support/model_names.h"
#include "web/http_server.h"

namespace spark::test {
namespace {

using json = nlohmann::json;

constexpr const char* kUpdateToken = "update-admin";
const std::string kImageA = "sha256:" + std::string(64, 'a');
const std::string kImageB = "sha256:" + std::string(64, 'b');
constexpr const char* kLocalSha = "a41c0d5e8b7f6a5d4c3b2a1f0e9d8c7b6a5f4e3d";
constexpr const char* kUpstreamSha = "9f3c27b1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7";

// vLLM on port 8000 serving kQwen36, version 0.11.1 at GET /version.
class VersionedVllm final : public HttpClient {
 public:
  HttpResult Send(const HttpRequest& request) override {
    if (request.url.find(":8000/") == std::string::npos) {
      return HttpFailure{FailureReason::kRefused, "Connection refused"};
    }
    if (request.url.ends_with("/version")) return HttpResponse{200, R"({"version":"0.11.1"})"};
    if (request.url.ends_with("/health")) return HttpResponse{200, ""};
    return HttpResponse{200, json{{"object", "list"}, {"data", {{{"id", kQwen36}}}}}.dump()};
  }
};

ConfigSources UpdateConfig(const std::filesystem::path& dir) {
  ConfigSources sources;
  sources.overlay_file = dir / "config.yaml";
  sources.demo = {{"cluster", "upd"},
                  {"sparks",
                   {{"spark1", {{"host", "127.0.0.1"}, {"user", "demo"}}},
                    {"spark2", {{"host", "127.0.0.2"}, {"user", "demo"}}}}},
                  {"vllm", {{"port", 8000}}}};
  sources.environment = {{"SPARK_CONTROL_TOKEN", kUpdateToken}};
  return sources;
}

// What the check prints for a checkout on `branch` (empty: detached HEAD), `behind` commits
// behind its upstream with `dirty` changed files.
std::vector<std::string> CheckoutLines(int behind, int dirty = 0,
                                       const std::string& branch = "main",
                                       const std::string& fetch = "fetch ok") {
  std::vector<std::string> lines = {fetch,
                                    "branch " + (branch.empty() ? "-" : branch),
                                    std::string("local ") + kLocalSha,
                                    std::string("upstream origin/main ") + kUpstreamSha,
                                    "dirty " + std::to_string(dirty),
                                    "behind " + std::to_string(behind),
                                    "ahead 0"};
  for (int i = 0; i < behind; ++i) {
    lines.push_back("commit " + std::string(40, static_cast<char>('a' + i)) + " 2026-11-30T18:0" +
                    std::to_string(i) + ":00+00:00 Subject number " + std::to_string(i));
  }
  lines.push_back("spark-control-update-check-end");
  return lines;
}

std::string ImageLine(const std::string& tag, const std::string& id) {
  return "image " + tag + " " + (id.empty() ? "-" : id + " 2026-11-24T09:41:07.123456789Z");
}

class UpdateApi : public ::testing::Test {
 protected:
  UpdateApi() {
    SimulatedExecutor& sparks = app_.sparks("upd");
    sparks.On(": spark-control-update-check;", [this](const RemoteCommand&) {
      std::lock_guard lock(mu_);
      return checkout_;
    });
    sparks.On(": spark-control-image;", [this](const RemoteCommand& command) {
      std::lock_guard lock(mu_);
      return SimulatedScript::Print({ImageLine("vllm-node", launch_[command.spark]),
                                     ImageLine("vllm-node:previous", previous_[command.spark])});
    });
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 8;
    ServerHooks hooks;
    hooks.config = [this] { return app_.config->Current(); };
    server_ = std::move(HttpServer::Start(options, app_.routes, hooks, app_.clock)).value();
  }
  ~UpdateApi() override { server_.reset(); }

  void SetCheckout(std::vector<std::string> lines) {
    std::lock_guard lock(mu_);
    checkout_ = SimulatedScript::Print(std::move(lines));
  }
  void SetCheckout(SimulatedScript script) {
    std::lock_guard lock(mu_);
    checkout_ = std::move(script);
  }
  // The ids of vllm-node and vllm-node:previous on each Spark ("" = absent).
  void SetImages(std::map<std::string, std::string> launch,
                 std::map<std::string, std::string> previous = {}) {
    std::lock_guard lock(mu_);
    launch_ = std::move(launch);
    previous_ = std::move(previous);
  }

  std::string Url(const std::string& path) const { return server_->url() + path; }
  Reply Post(const std::string& path, bool with_token = true) {
    std::vector<std::string> headers;
    if (with_token) headers.push_back(std::string("Authorization: Bearer ") + kUpdateToken);
    return Http("POST", Url(path), "", headers, 30000);
  }
  json Document(const Reply& reply) const {
    return json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  }
  json GetUpdate() { return Document(Get(Url("/api/update"))); }
  json Check() {
    const Reply reply = Post("/api/update/check");
    EXPECT_EQ(reply.status, 200) << reply.body;
    return Document(reply);
  }
  json JobOf(const Reply& reply) const { return Document(reply).value("job", json()); }

  // The scripted answers, read on the executor's threads: declared before app_, they outlive
  // the checks and jobs its destructor stops.
  std::mutex mu_;  // guards the three below
  SimulatedScript checkout_ = SimulatedScript::Print(CheckoutLines(0));
  std::map<std::string, std::string> launch_, previous_;
  InProcessApp app_{UpdateConfig, [] { return std::make_unique<VersionedVllm>(); }, "test"};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(UpdateApi, ACheckShowsTheCommitsBehindTheImageAndTheVllmVersion) {
  const json before = GetUpdate();
  EXPECT_EQ(before["state"], "unknown") << before.dump();
  EXPECT_TRUE(before["checked_at"].is_null()) << before.dump();  // tests run no check unasked
  EXPECT_TRUE(before["image"].is_null()) << before.dump();
  EXPECT_EQ(before["commits"], json::array());

  SetCheckout(CheckoutLines(3));
  SetImages({{"spark1", kImageA}, {"spark2", kImageA}});
  const json checked = Check();
  EXPECT_EQ(checked["state"], "behind") << checked.dump();
  EXPECT_EQ(checked["behind"], 3);
  EXPECT_EQ(checked["ahead"], 0);
  EXPECT_EQ(checked["branch"], "main");
  EXPECT_EQ(checked["local"], kLocalSha);
  EXPECT_EQ(checked["upstream"], kUpstreamSha);
  EXPECT_TRUE(checked["error"].is_null()) << checked.dump();
  EXPECT_TRUE(checked["checked_at"].is_string()) << checked.dump();
  ASSERT_EQ(checked["commits"].size(), 3u) << checked.dump();
  EXPECT_EQ(checked["commits"][0], (json{{"sha", std::string(40, 'a')},
                                         {"subject", "Subject number 0"},
                                         {"date", "2026-11-30T18:00:00+00:00"}}));
  EXPECT_EQ(checked["image"], (json{{"id", kImageA},
                                    {"built_at", "2026-11-24T09:41:07.123Z"},
                                    {"vllm_version", "0.11.1"},
                                    {"sparks", {{"spark1", kImageA}, {"spark2", kImageA}}},
                                    {"mismatch", false}}));
  EXPECT_TRUE(checked["previous_image"].is_null()) << checked.dump();
  EXPECT_TRUE(checked["rollback_hint"].is_null()) << checked.dump();

  EXPECT_EQ(GetUpdate(), checked);
  EXPECT_EQ(Document(Get(Url("/api/status")))["update"], checked);
  EXPECT_EQ(MetricValue(Get(Url("/metrics")).body,
                        "spark_control_update_commits_behind{cluster=\"upd\"}"),
            3);

  SetCheckout(CheckoutLines(0));  // pulled by hand meanwhile: the next check says so
  const json again = Check();
  EXPECT_EQ(again["state"], "ok") << again.dump();
  EXPECT_EQ(again["commits"], json::array());
}

TEST_F(UpdateApi, AFailedCheckLocalChangesAndADetachedHeadAreSaidPlainly) {
  std::vector<std::string> cut = CheckoutLines(2);
  cut.pop_back();  // no end line: the answer was cut off
  SetCheckout(cut);
  const json failed = Check();
  EXPECT_EQ(failed["state"], "unknown") << failed.dump();
  EXPECT_TRUE(failed["error"].is_string() && !failed["error"].get<std::string>().empty())
      << failed.dump();
  EXPECT_TRUE(failed["checked_at"].is_string()) << failed.dump();
  EXPECT_TRUE(failed["behind"].is_null()) << failed.dump();
  EXPECT_EQ(failed["commits"], json::array());

  SetCheckout(SimulatedScript::Fail(Status::Error(ErrorCode::kSshUnreachable, "no route")));
  const json unreachable = Check();
  EXPECT_NE(unreachable["error"].dump().find("no route"), std::string::npos) << unreachable.dump();

  SetCheckout(CheckoutLines(0, 2));
  const json dirty = Check();
  EXPECT_EQ(dirty["state"], "dirty") << dirty.dump();
  EXPECT_TRUE(dirty["error"].is_null()) << dirty.dump();

  SetCheckout(CheckoutLines(1, 0, ""));
  const json detached = Check();
  EXPECT_EQ(detached["state"], "detached") << detached.dump();
  EXPECT_TRUE(detached["branch"].is_null()) << detached.dump();

  SetCheckout(CheckoutLines(1, 0, "main", "fetch failed fatal: unable to access 'https://x/'"));
  const json unfetched = Check();
  EXPECT_NE(unfetched["error"].dump().find("unable to access"), std::string::npos)
      << unfetched.dump();
  EXPECT_EQ(unfetched["behind"], 1);  // against the upstream as last fetched
}

TEST_F(UpdateApi, AnImageThatDiffersOrIsMissingOnSpark2IsAMismatch) {
  SetImages({{"spark1", kImageA}, {"spark2", kImageB}});
  json image = Check()["image"];
  EXPECT_EQ(image["id"], kImageA) << image.dump();
  EXPECT_EQ(image["sparks"], (json{{"spark1", kImageA}, {"spark2", kImageB}}));
  EXPECT_EQ(image["mismatch"], true);

  SetImages({{"spark1", kImageA}});
  image = Check()["image"];
  EXPECT_EQ(image["sparks"], (json{{"spark1", kImageA}, {"spark2", nullptr}})) << image.dump();
  EXPECT_EQ(image["mismatch"], true);

  SetImages({{"spark2", kImageA}});  // the head has none: no launch image to describe
  EXPECT_TRUE(Check()["image"].is_null());
}

TEST_F(UpdateApi, ARollbackNeedsAPreviousImageThatDiffersFromTheLaunchedOne) {
  SetImages({{"spark1", kImageA}, {"spark2", kImageA}});
  EXPECT_TRUE(Check()["previous_image"].is_null());
  Reply refused = Post("/api/update/rollback");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(ErrorCode(refused), "no_previous_image");

  SetImages({{"spark1", kImageA}, {"spark2", kImageA}}, {{"spark1", kImageA}, {"spark2", kImageA}});
  EXPECT_TRUE(Check()["previous_image"].is_null());  // a rollback would change nothing
  refused = Post("/api/update/rollback");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(ErrorCode(refused), "no_previous_image");

  SetImages({{"spark1", kImageB}, {"spark2", kImageB}}, {{"spark1", kImageA}});
  const json previous = Check()["previous_image"];
  EXPECT_EQ(previous, (json{{"id", kImageA},
                            {"built_at", "2026-11-24T09:41:07.123Z"},
                            {"sparks", {{"spark1", kImageA}, {"spark2", nullptr}}}}));
  const Reply started = Post("/api/update/rollback");
  EXPECT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(JobOf(started)["kind"], "update") << started.body;
  EXPECT_EQ(JobOf(started)["action"], "rollback") << started.body;
}

TEST_F(UpdateApi, ApplyStartsAnUpdateJobThatHoldsOffSwapsAndIsCheckedAgainWhenItEnds) {
  SetImages({{"spark1", kImageA}, {"spark2", kImageA}});
  SimulatedScript hang;
  hang.end = SimulatedScript::End::kHang;
  app_.sparks("upd").On(": spark-control-image-tag", hang);  // the apply stays at its first step
  const Reply started = Post("/api/update/apply");
  ASSERT_EQ(started.status, 202) << started.body;
  const json job = JobOf(started);
  EXPECT_EQ(job["kind"], "update") << job.dump();
  EXPECT_EQ(job["action"], "apply");
  EXPECT_EQ(job["target"], "vllm-node");
  EXPECT_EQ(job["state"], "running");

  const Reply swap = Http(
      "POST", Url("/api/swap"), R"({"model":"qwen36"})",
      {"Content-Type: application/json", std::string("Authorization: Bearer ") + kUpdateToken});
  EXPECT_EQ(swap.status, 409) << swap.body;
  EXPECT_EQ(ErrorCode(swap), "job_running");
  const Reply second = Post("/api/update/apply");
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(ErrorCode(second), "job_running");

  EXPECT_TRUE(GetUpdate()["checked_at"].is_null());
  const std::string id = job["id"];
  const Reply cancel = Http("DELETE", Url("/api/jobs/" + id), "",
                            {std::string("Authorization: Bearer ") + kUpdateToken});
  EXPECT_EQ(cancel.status, 202) << cancel.body;
  // The update job's end asks for a full check (the checkout and the images may have moved).
  EXPECT_TRUE(Eventually([&] { return GetUpdate()["checked_at"].is_string(); }))
      << GetUpdate().dump();
}

TEST_F(UpdateApi, AnUpdateIsRefusedWhileASwapRunsAndTheSwapsEndRereadsTheImages) {
  SetCheckout(CheckoutLines(3));
  SetImages({{"spark1", kImageA}, {"spark2", kImageA}}, {{"spark1", kImageB}});
  ASSERT_EQ(Check()["behind"], 3);
  SimulatedScript hang;
  hang.end = SimulatedScript::End::kHang;
  app_.sparks("upd").On("docker ps", hang);  // the swap never gets past reconciling
  const Reply swap = Http(
      "POST", Url("/api/swap"), R"({"model":"qwen36"})",
      {"Content-Type: application/json", std::string("Authorization: Bearer ") + kUpdateToken});
  ASSERT_EQ(swap.status, 202) << swap.body;
  for (const char* path : {"/api/update/apply", "/api/update/rollback"}) {
    const Reply refused = Post(path);
    EXPECT_EQ(refused.status, 409) << path << ": " << refused.body;
    EXPECT_EQ(ErrorCode(refused), "swap_running") << path;
  }
  // Meanwhile the Sparks got another image and upstream moved on.
  SetCheckout(CheckoutLines(5));
  SetImages({{"spark1", kImageB}, {"spark2", kImageB}});
  const std::string id = JobOf(swap)["id"];
  EXPECT_EQ(Http("DELETE", Url("/api/jobs/" + id), "",
                 {std::string("Authorization: Bearer ") + kUpdateToken})
                .status,
            202);
  // A swap's end re-reads the images and vLLM's version, without a git fetch.
  EXPECT_TRUE(Eventually([&] { return GetUpdate()["image"]["id"] == kImageB; }))
      << GetUpdate().dump();
  EXPECT_EQ(GetUpdate()["behind"], 3);
}

TEST_F(UpdateApi, MutationsNeedTheTokenAndEveryRouteNeedsAKnownCluster) {
  for (const char* path : {"/api/update/check", "/api/update/apply", "/api/update/rollback"}) {
    const Reply anonymous = Post(path, /*with_token=*/false);
    EXPECT_EQ(anonymous.status, 401) << path << ": " << anonymous.body;
    EXPECT_EQ(ErrorCode(anonymous), "unauthorized") << path;
    const Reply unknown = Post(std::string(path) + "?cluster=nope");
    EXPECT_EQ(unknown.status, 404) << path << ": " << unknown.body;
    EXPECT_EQ(ErrorField(unknown), "cluster") << path;
  }
  EXPECT_EQ(Get(Url("/api/update")).status, 200);
  const Reply unknown = Get(Url("/api/update?cluster=nope"));
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(ErrorField(unknown), "cluster");
  EXPECT_EQ(Get(Url("/api/update?cluster=upd")).status, 200);
}

}  // namespace
}  // namespace spark::test
