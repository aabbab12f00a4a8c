// The health report body (POST /api/health-event) and the `report` event it is stored as.
#include "web/request_bodies.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "controller/config.h"

namespace spark {
namespace {

TEST(ReportEvent, CarriesEveryFieldOfTheReportAsAReportEvent) {
  const auto report = ParseHealthReport(
      nlohmann::json::parse(R"({"service":"vllm","ok":false,"source":"app","error":"timeout",
                                "ms":12.5})"),
      Config());
  ASSERT_TRUE(report.ok()) << report.status().message();
  const ConnectivityEvent event = ReportEvent(*report);
  EXPECT_EQ(event.type, EventType::kReport);
  EXPECT_EQ(event.service, "vllm");
  EXPECT_FALSE(event.ok);
  EXPECT_EQ(event.source, "app");
  EXPECT_EQ(event.error, "timeout");
  EXPECT_EQ(event.ms, 12.5);
  EXPECT_EQ(event.id, 0u);  // the log assigns it
}

TEST(ReportEvent, AReportWithoutALatencyHasNone) {
  const auto report =
      ParseHealthReport(nlohmann::json::parse(R"({"service":"vllm","ok":true})"), Config());
  ASSERT_TRUE(report.ok()) << report.status().message();
  const ConnectivityEvent event = ReportEvent(*report);
  EXPECT_TRUE(event.ok);
  EXPECT_EQ(event.ms, std::nullopt);
  EXPECT_EQ(event.error, "");
}

}  // namespace
}  // namespace spark
