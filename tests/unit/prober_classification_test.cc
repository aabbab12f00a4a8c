// Probers against real misbehaving servers on loopback: every failure lands in its reason,
// within the deadline.
#include <gtest/gtest.h>

#include <chrono>

#include "exporter/probe.h"
#include "support/loopback_server.h"

namespace spark {
namespace {

using test::Behaviour;
using test::LoopbackServer;
using Millis = std::chrono::milliseconds;

ProbeTarget Target(const std::string& kind, int port, const std::string& host = "127.0.0.1") {
  ProbeTarget t;
  t.service = kind == "llm" ? "vllm" : "parakeet";
  t.kind = kind;
  t.host = host;
  t.port = port;
  t.configured_model = kind == "llm" ? "" : "nvidia/parakeet-tdt-0.6b-v3";
  return t;
}

ProbeResult Probe(const ProbeTarget& target, Millis deadline = Millis(300)) {
  auto http = MakeCurlHttpClient();
  return ProberForKind(target.kind)(*http, target, deadline);
}

struct ProbeCase {
  const char* kind;
  Behaviour behaviour;
  FailureReason reason;
};

class ProberClassification : public ::testing::TestWithParam<ProbeCase> {};

TEST_P(ProberClassification, FailsWithItsReasonWithinTheDeadline) {
  LoopbackServer server(GetParam().behaviour, "{}");
  const auto start = std::chrono::steady_clock::now();
  const ProbeResult result = Probe(Target(GetParam().kind, server.port()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, Millis(300 + 250));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(FailureReasonName(result.reason), FailureReasonName(GetParam().reason)) << result.error;
  EXPECT_FALSE(result.error.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, ProberClassification,
    ::testing::Values(ProbeCase{"llm", Behaviour::kSlow, FailureReason::kTimeout},
                      ProbeCase{"llm", Behaviour::kSilent, FailureReason::kTimeout},
                      ProbeCase{"llm", Behaviour::kStatus500, FailureReason::kHttpStatus},
                      ProbeCase{"llm", Behaviour::kGarbage, FailureReason::kBadBody},
                      ProbeCase{"llm", Behaviour::kOk,
                                FailureReason::kBadBody},  // "{}" is no model list
                      ProbeCase{"llm", Behaviour::kReset, FailureReason::kReset},
                      ProbeCase{"llm", Behaviour::kNotHttp, FailureReason::kBadBody},
                      ProbeCase{"stt", Behaviour::kStatus500, FailureReason::kHttpStatus},
                      ProbeCase{"stt", Behaviour::kSilent, FailureReason::kTimeout},
                      ProbeCase{"stt", Behaviour::kReset, FailureReason::kReset}));

TEST(Prober, VllmIsUpWithTheServedModelId) {
  LoopbackServer server(Behaviour::kOk, test::VllmModelsBody("Qwen/Qwen3-VL-30B-A3B-Instruct-FP8"));
  const ProbeResult result = Probe(Target("llm", server.port()));
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.model, "Qwen/Qwen3-VL-30B-A3B-Instruct-FP8");
}

TEST(Prober, ASpeechServiceIsUpOnAny2xxWithItsConfiguredModel) {
  LoopbackServer server(Behaviour::kGarbage);  // 200 with a body nobody parses
  const ProbeResult result = Probe(Target("stt", server.port()));
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.model, "nvidia/parakeet-tdt-0.6b-v3");
}

TEST(Prober, NothingListeningIsRefused) {
  int port;
  { port = LoopbackServer().port(); }  // a port that was free a moment ago and is closed now
  EXPECT_EQ(Probe(Target("llm", port)).reason, FailureReason::kRefused);
}

TEST(Prober, AnUnresolvableNameIsDns) {
  const ProbeResult result = Probe(Target("stt", 8000, "no-such-host.invalid"), Millis(1000));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.reason, FailureReason::kDns) << result.error;
}

TEST(Prober, AnUnsetHostIsNotConfiguredWithoutAnyRequest) {
  const ProbeResult result = Probe(Target("llm", 8888, ""));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.reason, FailureReason::kNotConfigured);
}

TEST(Prober, TheVllmModelParserAcceptsOnlyTheOpenAiListShape) {
  EXPECT_EQ(ParseVllmModelId(test::VllmModelsBody("m")), "m");
  EXPECT_EQ(ParseVllmModelId(R"({"data":[{"id":"a"},{"id":"b"}]})"), "a");
  for (const char* body : {"", "null", "[]", "{}", R"({"data":[]})", R"({"data":[{"id":""}]})",
                           R"({"data":[{"id":7}]})", R"({"data":"x"})", R"({"data":[1]})"}) {
    EXPECT_FALSE(ParseVllmModelId(body).has_value()) << body;
  }
}

}  // namespace
}  // namespace spark
