// The POST /api/diarization body parser: both forms, NeMo strings, and which bad input is a
// 400 naming its field (the rest parses and becomes a null confidence later).
#include "exporter/diarization_request.h"

#include <gtest/gtest.h>

#include <cmath>

namespace spark {
namespace {

constexpr size_t kCells = 360000;

TEST(DiarizationRequest, ParsesTheReportForm) {
  const auto request =
      ParseDiarizationRequest(R"({"source":"recap-relay","segments":[)"
                              R"({"start":0.0,"end":1.2,"speaker":"speaker_0","confidence":0.91},)"
                              R"({"start":1.2,"end":2,"speaker":"speaker_1","confidence":null},)"
                              R"({"start":2,"end":3,"speaker":"speaker_1"}]})",
                              kCells);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->source, "recap-relay");
  EXPECT_FALSE(request->probs.has_value());
  ASSERT_EQ(request->segments.size(), 3u);
  EXPECT_EQ(request->segments[0].start, 0.0);
  EXPECT_EQ(request->segments[0].end, 1.2);
  EXPECT_EQ(request->segments[0].speaker, "speaker_0");
  EXPECT_EQ(request->segments[0].confidence, 0.91);
  EXPECT_EQ(request->segments[1].end, 2.0);  // an integer is a number too
  EXPECT_EQ(request->segments[1].confidence, std::nullopt);
  EXPECT_EQ(request->segments[2].confidence, std::nullopt);
}

TEST(DiarizationRequest, ParsesTheComputeFormWithNemoStrings) {
  const auto request = ParseDiarizationRequest(
      R"({"segments":["0.560 3.120 speaker_0","  3.2\t4.0   speaker_1 "],
          "probs":[[0.9,0.1],[0.8,null],[1,0]],"duration":0.24})",
      kCells);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->source, "");
  ASSERT_EQ(request->segments.size(), 2u);
  EXPECT_EQ(request->segments[0].start, 0.56);
  EXPECT_EQ(request->segments[0].end, 3.12);
  EXPECT_EQ(request->segments[0].speaker, "speaker_0");
  EXPECT_EQ(request->segments[1].start, 3.2);
  EXPECT_EQ(request->segments[1].speaker, "speaker_1");
  ASSERT_TRUE(request->probs.has_value());
  EXPECT_EQ(request->probs->frames, 3u);
  EXPECT_EQ(request->probs->speakers, 2u);
  ASSERT_EQ(request->probs->scores.size(), 6u);
  EXPECT_EQ(request->probs->scores[0], 0.9);
  EXPECT_TRUE(std::isnan(request->probs->scores[3])) << "null is a missing score";
  EXPECT_EQ(request->probs->scores[4], 1.0);
  EXPECT_EQ(request->duration_s, 0.24);
}

TEST(DiarizationRequest, AnUnusableTensorStillParses) {
  for (const char* probs : {"[]", "[[],[]]", "[[0.5,0.5],[0.5]]", "[[1.5,0.5]]"}) {
    const auto request = ParseDiarizationRequest(
        std::string(R"({"segments":["0 1 speaker_0"],"duration":1,"probs":)") + probs + "}",
        kCells);
    ASSERT_TRUE(request.ok()) << probs << ": " << request.status().message();
    ASSERT_TRUE(request->probs.has_value()) << probs;
    EXPECT_FALSE(SegmentScorer(*request->probs, request->duration_s).usable()) << probs;
  }
  const auto zero =
      ParseDiarizationRequest(R"({"segments":[],"duration":0,"probs":[[0.5]]})", kCells);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->duration_s, 0.0);
}

TEST(DiarizationRequest, NemoStrings) {
  const auto segment = ParseNemoSegment("0.560 3.120 speaker_0");
  ASSERT_TRUE(segment.has_value());
  EXPECT_EQ(segment->start, 0.56);
  EXPECT_EQ(segment->end, 3.12);
  EXPECT_EQ(segment->speaker, "speaker_0");
  const auto infinite = ParseNemoSegment("inf 3 speaker_0");  // parses; scores null later
  ASSERT_TRUE(infinite.has_value());
  EXPECT_TRUE(std::isinf(infinite->start));
  for (const char* bad : {"", "   ", "0.5 1.0", "0.5 1.0 speaker_0 extra", "a 1.0 speaker_0",
                          "0.5 1.0x speaker_0", "+0.5 1.0 speaker_0", "0.5\n1.0 speaker_0"}) {
    EXPECT_FALSE(ParseNemoSegment(bad).has_value()) << bad;
  }
}

struct BadBody {
  std::string body;
  std::string code;
  std::string field;
};

TEST(DiarizationRequest, BadBodiesNameTheirField) {
  const std::string ok_segment = R"({"start":0,"end":1,"speaker":"speaker_0"})";
  const std::string three_ok = ok_segment + "," + ok_segment + "," + ok_segment;
  const std::vector<BadBody> cases = {
      {"{not json", "invalid_json", ""},
      {"[1,2]", "invalid_json", ""},
      {"", "invalid_json", ""},
      {R"({"segments":[{"start":1e999,"end":2,"speaker":"speaker_0"}]})", "invalid_json", ""},
      {"{}", "missing_field", "segments"},
      {R"({"segments":null})", "missing_field", "segments"},
      {R"({"segments":{}})", "invalid_field", "segments"},
      {R"({"segments":[7]})", "invalid_field", "segments[0]"},
      {R"({"segments":[null]})", "invalid_field", "segments[0]"},
      {R"({"segments":[)" + three_ok + R"(,{"end":1,"speaker":"speaker_0"}]})", "missing_field",
       "segments[3].start"},
      {R"({"segments":[)" + three_ok + R"(,{"start":"0.5","end":1,"speaker":"speaker_0"}]})",
       "invalid_field", "segments[3].start"},
      {R"({"segments":[{"start":0,"speaker":"speaker_0"}]})", "missing_field", "segments[0].end"},
      {R"({"segments":[{"start":0,"end":true,"speaker":"speaker_0"}]})", "invalid_field",
       "segments[0].end"},
      {R"({"segments":[{"start":0,"end":1}]})", "missing_field", "segments[0].speaker"},
      {R"({"segments":[{"start":0,"end":1,"speaker":0}]})", "invalid_field", "segments[0].speaker"},
      {R"({"segments":[{"start":0,"end":1,"speaker":"speaker_0","confidence":1.01}]})",
       "invalid_field", "segments[0].confidence"},
      {R"({"segments":[{"start":0,"end":1,"speaker":"speaker_0","confidence":-0.01}]})",
       "invalid_field", "segments[0].confidence"},
      {R"({"segments":[{"start":0,"end":1,"speaker":"speaker_0","confidence":"0.9"}]})",
       "invalid_field", "segments[0].confidence"},
      {R"({"segments":[")" + std::string("0.5 speaker_0") + R"("]})", "invalid_field",
       "segments[0]"},
      {R"({"segments":[],"source":5})", "invalid_field", "source"},
      {R"({"segments":[],"source":")" + std::string(257, 's') + R"("})", "invalid_field", "source"},
      {R"({"segments":[],"probs":[[0.5]]})", "missing_field", "duration"},
      {R"({"segments":[],"probs":[[0.5]],"duration":"5"})", "invalid_field", "duration"},
      {R"({"segments":[],"duration":"5"})", "invalid_field", "duration"},
      {R"({"segments":[],"probs":{},"duration":1})", "invalid_field", "probs"},
      {R"({"segments":[],"probs":[[0.5],0.5],"duration":1})", "invalid_field", "probs[1]"},
      {R"({"segments":[],"probs":[[0.5,0.1],[0.5,"0.2"]],"duration":1})", "invalid_field",
       "probs[1][1]"},
      {R"({"segments":[],"probs":[[0.5,0.1],[0.5,[0.2]]],"duration":1})", "invalid_field",
       "probs[1][1]"},
      // Containers where a scalar belongs (dropped while parsing, still named).
      {R"({"segments":[],"source":{"name":"x"}})", "invalid_field", "source"},
      {R"({"segments":[],"duration":[1],"probs":[[0.5]]})", "invalid_field", "duration"},
      {R"({"segments":[{"start":[0],"end":1,"speaker":"speaker_0"}]})", "invalid_field",
       "segments[0].start"},
      {R"({"segments":[{"start":0,"end":1,"speaker":{"id":0}}]})", "invalid_field",
       "segments[0].speaker"},
      {R"({"segments":[{"start":0,"end":1,"speaker":"speaker_0","confidence":[0.5]}]})",
       "invalid_field", "segments[0].confidence"},
      {R"({"segments":[],"probs":[{"a":1}],"duration":1})", "invalid_field", "probs[0]"},
      {"[" + ok_segment + "]", "invalid_json", ""},
      {R"({"segments":[],"deep":)" + std::string(64, '[') + std::string(64, ']') + "}",
       "invalid_json", ""},
  };
  for (const BadBody& c : cases) {
    const auto request = ParseDiarizationRequest(c.body, kCells);
    ASSERT_FALSE(request.ok()) << c.body;
    EXPECT_EQ(request.status().code_name(), c.code) << c.body;
    EXPECT_EQ(request.status().field(), c.field) << c.body;
    EXPECT_NE(request.status().message(), "") << c.body;
  }
}

TEST(DiarizationRequest, TensorsAndSegmentListsAboveTheCellCapAreTooLarge) {
  // 3 frames × 4 speakers = 12 cells; a ragged tensor counts its longest row.
  const std::string body =
      R"({"segments":[],"duration":1,"probs":[[0,0,0,0],[0,0,0,0],[0,0,0,0]]})";
  EXPECT_TRUE(ParseDiarizationRequest(body, 12).ok());
  auto request = ParseDiarizationRequest(body, 11);
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), ErrorCode::kBodyTooLarge);
  EXPECT_EQ(request.status().field(), "probs");
  EXPECT_NE(request.status().message().find("more than 11 cells"), std::string::npos)
      << request.status().message();
  request =
      ParseDiarizationRequest(R"({"segments":[],"duration":1,"probs":[[0],[0,0,0,0,0,0]]})", 11);
  EXPECT_EQ(request.status().code(), ErrorCode::kBodyTooLarge);
  request = ParseDiarizationRequest(R"({"segments":[],"duration":1,"probs":[[],[],[]]})", 2);
  EXPECT_EQ(request.status().code(), ErrorCode::kBodyTooLarge) << "rows count even when empty";
  request = ParseDiarizationRequest(
      R"({"segments":["0 1 speaker_0","1 2 speaker_0","2 3 speaker_0"]})", 2);
  EXPECT_EQ(request.status().code(), ErrorCode::kBodyTooLarge);
  EXPECT_EQ(request.status().field(), "segments");
}

TEST(DiarizationRequest, OnlyTheTopLevelArraysAreTheSegmentsAndTheScores) {
  // Same-named keys deeper down are someone else's data.
  auto request = ParseDiarizationRequest(
      R"({"meta":{"segments":[7],"probs":[["x"]]},"segments":[{"start":0,"end":1,
          "speaker":"speaker_0","probs":[["x"]],"extra":{"segments":[1]}}],)"
      R"("probs":[[0.5]],"duration":1})",
      kCells);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->segments.size(), 1u);
  EXPECT_EQ(request->probs->frames, 1u);
  EXPECT_FALSE(ParseDiarizationRequest(R"([{"segments":[]}])", kCells).ok());
}

TEST(DiarizationRequest, ARepeatedMemberReplacesTheEarlierOne) {
  auto request =
      ParseDiarizationRequest(R"({"segments":[7],"probs":[["x"]],"segments":["0 1 speaker_0"],)"
                              R"("probs":[[0.1,0.2]],"duration":1})",
                              kCells);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->segments.size(), 1u);
  EXPECT_EQ(request->probs->speakers, 2u);
  request = ParseDiarizationRequest(R"({"segments":["0 1 speaker_0"],"segments":null})", kCells);
  EXPECT_EQ(request.status().code(), ErrorCode::kMissingField);
  request = ParseDiarizationRequest(R"({"segments":[],"probs":[[0.5]],"probs":null})", kCells);
  ASSERT_TRUE(request.ok());
  EXPECT_FALSE(request->probs.has_value());
}

TEST(DiarizationRequest, NestingUpTo64LevelsParses) {
  // 1 (the body) + 63 levels of someone's metadata; brackets inside strings do not count.
  const std::string body = R"({"segments":[],"source":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[","meta":)" +
                           std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_TRUE(ParseDiarizationRequest(body, kCells).ok());
}

TEST(DiarizationRequest, UnknownKeysAreIgnored) {
  EXPECT_TRUE(
      ParseDiarizationRequest(R"({"segments":[],"model":"sortformer","batch":0})", kCells).ok());
}

}  // namespace
}  // namespace spark
