// Diarization confidence for 1 h of audio (API.md's anchor): 45,000 frames × 4 speakers at
// 12.5 fps and 1,000 segments. Times, side by side, parsing the JSON request (nlohmann's plain
// DOM parse for comparison, then ParseDiarizationRequest, which streams the arrays out of the
// tree and checks every field) and computing every segment's confidence.
// Usage: diarization_bench [--body FILE]   (--body also writes the request, for HTTP runs)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "exporter/diarization_request.h"

namespace {

constexpr int kFrames = 45000;
constexpr int kSpeakers = 4;
constexpr int kSegments = 1000;
constexpr double kDuration = 3600;

// The compute form, as Recap Relay would send it: NeMo strings and the sigmoid tensor.
std::string HourRequest() {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  std::string body = R"({"source":"recap-relay","segments":[)";
  const double turn = kDuration / kSegments;
  char text[96];
  for (int i = 0; i < kSegments; ++i) {
    std::snprintf(text, sizeof text, "%s\"%.3f %.3f speaker_%d\"", i == 0 ? "" : ",", i * turn,
                  (i + 1) * turn - 0.2, i % kSpeakers);
    body += text;
  }
  body += R"(],"duration":3600,"probs":[)";
  for (int f = 0; f < kFrames; ++f) {
    const int speaking =
        static_cast<int>(f / (kFrames / static_cast<double>(kSegments))) % kSpeakers;
    body += f == 0 ? "[" : ",[";
    for (int s = 0; s < kSpeakers; ++s) {
      const double score = s == speaking ? 0.7 + unit(rng) * 0.3 : unit(rng) * 0.1;
      std::snprintf(text, sizeof text, "%s%.4f", s == 0 ? "" : ",", score);
      body += text;
    }
    body += "]";
  }
  return body + "]}";
}

struct Timing {
  double median_ms;
  double min_ms;
};

Timing Measure(int runs, const std::function<void()>& work) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front()};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string body = HourRequest();
  if (argc == 3 && std::string(argv[1]) == "--body") std::ofstream(argv[2]) << body;
  const auto request = spark::ParseDiarizationRequest(body, 360000);
  if (!request.ok()) {
    std::fprintf(stderr, "diarization_bench: %s\n", request.status().message().c_str());
    return 1;
  }
  size_t sink = 0;
  const Timing dom = Measure(30, [&] { sink += nlohmann::json::parse(body).size(); });
  const Timing parse =
      Measure(30, [&] { sink += spark::ParseDiarizationRequest(body, 360000)->segments.size(); });
  const Timing compute =
      Measure(300, [&] { sink += spark::ScoreSegments(*request, 0.5).uncertain; });
  std::printf("diarization, 1 h of audio: %d frames x %d speakers, %d segments, %.1f MB request\n",
              kFrames, kSpeakers, kSegments, body.size() / 1e6);
  std::printf("%-52s %10s %10s  %s\n", "measure", "median ms", "min ms", "target");
  std::printf("%-52s %10.2f %10.2f  %s\n", "JSON parse: nlohmann DOM of the body (comparison)",
              dom.median_ms, dom.min_ms, "-");
  std::printf("%-52s %10.2f %10.2f  %s\n", "JSON parse: ParseDiarizationRequest (streamed)",
              parse.median_ms, parse.min_ms, "-");
  std::printf("%-52s %10.3f %10.3f  %s\n", "compute: ScoreSegments (checks, prefix sums)",
              compute.median_ms, compute.min_ms,
              compute.median_ms < 10 ? "< 10 ms PASS" : "< 10 ms FAIL");
  std::printf("parse / compute: %.0fx (checksum %zu)\n", parse.median_ms / compute.median_ms, sink);
  return 0;
}
