// DATA/audit.jsonl through the real binary: mutations of several kinds, accepted and refused,
// appear with route, target, token kind, client and status; reads and accepted reports do not;
// an audit log that cannot be written never breaks the request and shows as a warning.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

using json = nlohmann::json;

std::vector<json> AuditLines(const std::filesystem::path& data) {
  std::ifstream in(data / "audit.jsonl");
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

TEST(AuditLog, MutationsAreRecordedWithWhoWhatAndResultAndReadsAreNot) {
  TempDir data;
  SparkControl app(
      {"--data-dir", data.path().string()},
      {{"SPARK_CONTROL_TOKEN", "admin-secret"}, {"SPARK_CONTROL_REPORT_TOKEN", "report-secret"}});
  const std::string admin = "Authorization: Bearer admin-secret";
  EXPECT_EQ(Get(app.url() + "/api/status").status, 200);
  EXPECT_EQ(Get(app.url() + "/api/config").status, 200);
  EXPECT_EQ(SendJson("PUT", app.url() + "/api/config", R"({"vllm":{"port":8001}})", {admin}).status,
            200);
  EXPECT_EQ(Http("DELETE", app.url() + "/api/models/qwen36", {}, {admin}).status, 409);
  EXPECT_EQ(SendJson("PUT", app.url() + "/api/config", R"({"vllm":{"port":8002}})",
                     {"Authorization: Bearer report-secret"})
                .status,
            401);
  EXPECT_EQ(SendJson("POST", app.url() + "/api/swap", R"({"model":"qwen36"})").status, 401);
  EXPECT_EQ(SendJson("POST", app.url() + "/api/health-event", R"({"service":"vllm","ok":true})",
                     {"Authorization: Bearer report-secret"})
                .status,
            202);  // an accepted report: telemetry, not audited
  EXPECT_EQ(SendJson("POST", app.url() + "/api/health-event", R"({"service":"vllm","ok":true})",
                     {"Authorization: Bearer guess"})
                .status,
            401);  // a refused one is
  const long unrouted = Http("DELETE", app.url() + "/api/models/no/such/route", {}, {admin}).status;
  EXPECT_TRUE(unrouted == 404 || unrouted == 405) << unrouted;

  const std::vector<json> lines = AuditLines(data.path());
  ASSERT_EQ(lines.size(), 6u) << json(lines).dump(1);
  for (const json& line : lines) {
    EXPECT_EQ(line["client"], "127.0.0.1");
    EXPECT_TRUE(line["ts"].get<std::string>().ends_with("Z"));
    EXPECT_NE(line["method"], "GET");
  }
  EXPECT_EQ(lines[0]["route"], "PUT /api/config");
  EXPECT_EQ(lines[0]["token"], "admin");
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_EQ(lines[0]["target"], json::object());
  EXPECT_EQ(lines[1]["route"], "DELETE /api/models/{id}");
  EXPECT_EQ(lines[1]["path"], "/api/models/qwen36");
  EXPECT_EQ(lines[1]["target"], json({{"id", "qwen36"}}));
  EXPECT_EQ(lines[1]["status"], 409);
  EXPECT_EQ(lines[2]["token"], "report");
  EXPECT_EQ(lines[2]["status"], 401);
  EXPECT_EQ(lines[3]["route"], "POST /api/swap");
  EXPECT_EQ(lines[3]["token"], "none");
  EXPECT_EQ(lines[4]["route"], "POST /api/health-event");
  EXPECT_EQ(lines[4]["token"], "wrong");
  EXPECT_EQ(lines[4]["status"], 401);
  EXPECT_EQ(lines[5]["route"], "");
  EXPECT_EQ(lines[5]["status"], unrouted);
  // Never a body or a token in the log.
  std::ifstream in(data / "audit.jsonl");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().find("secret"), std::string::npos);
  EXPECT_EQ(text.str().find("8001"), std::string::npos);
}

TEST(AuditLog, AnUnwritableAuditLogDoesNotBreakTheRequestAndWarns) {
  TempDir data;
  std::filesystem::create_directories(data / "audit.jsonl");  // open() fails with EISDIR
  SparkControl app({"--data-dir", data.path().string()});
  const Reply put = SendJson("PUT", app.url() + "/api/config", R"({"vllm":{"port":8001}})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json::parse(Get(app.url() + "/api/config").body)["vllm"]["port"], 8001);
  const json status = json::parse(Get(app.url() + "/api/status").body);
  bool warned = false;
  for (const auto& w : status["warnings"]) {
    warned |= w.get<std::string>().find("audit log") != std::string::npos;
  }
  EXPECT_TRUE(warned) << status["warnings"].dump();
  EXPECT_NE(app.StderrText().find("audit log"), std::string::npos);
}

}  // namespace
}  // namespace spark::test
