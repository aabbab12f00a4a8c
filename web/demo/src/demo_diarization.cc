#include "demo/demo_diarization.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace spark {
namespace {

constexpr int kSpeakers = 4;
constexpr double kFramesPerSecond = 12.5;

struct Turn {
  double start;
  double end;
  int speaker;
  double clarity;  // the speaker's score while talking
};

std::vector<Turn> Conversation(std::mt19937& rng, double duration) {
  std::uniform_real_distribution<double> unit(0, 1);
  std::lognormal_distribution<double> turn_s(1.0, 0.6);
  const int people = 2 + static_cast<int>(unit(rng) * 2);
  std::vector<Turn> turns;
  int speaker = 0;
  for (double t = unit(rng); t < duration - 0.5;) {
    const double end = std::min(duration, t + 0.4 + turn_s(rng));
    const bool hard = turns.size() % 5 == 1;
    turns.push_back({t, end, speaker, hard ? 0.3 + unit(rng) * 0.18 : 0.75 + unit(rng) * 0.23});
    // Mostly a pause before the next turn, sometimes an overlap.
    t = end + (unit(rng) < 0.15 ? -0.3 : unit(rng) * 0.6);
    speaker = (speaker + 1 + static_cast<int>(unit(rng) * (people - 1))) % people;
  }
  return turns;
}

nlohmann::json Probs(std::mt19937& rng, const std::vector<Turn>& turns, size_t frames) {
  std::uniform_real_distribution<double> noise(0, 0.08);
  std::vector<std::array<double, kSpeakers>> rows(frames);
  for (auto& row : rows) {
    for (double& score : row) score = noise(rng);
  }
  for (const Turn& turn : turns) {
    const auto first = static_cast<size_t>(turn.start * kFramesPerSecond);
    const auto last = std::min(frames, static_cast<size_t>(std::ceil(turn.end * kFramesPerSecond)));
    for (size_t f = first; f < last; ++f) {
      rows[f][turn.speaker] = std::clamp(turn.clarity + noise(rng) - 0.04, 0.0, 1.0);
    }
  }
  nlohmann::json probs = nlohmann::json::array();
  for (const auto& row : rows) {
    nlohmann::json out = nlohmann::json::array();
    for (double score : row) out.push_back(std::round(score * 1000) / 1000);
    probs.push_back(std::move(out));
  }
  return probs;
}

}  // namespace

nlohmann::json SyntheticDiarization(std::mt19937& rng, bool with_probs) {
  std::uniform_real_distribution<double> unit(0, 1);
  const double duration = std::round((20 + unit(rng) * 70) * 100) / 100;
  const std::vector<Turn> turns = Conversation(rng, duration);
  nlohmann::json segments = nlohmann::json::array();
  for (const Turn& turn : turns) {
    if (with_probs) {
      char text[64];
      std::snprintf(text, sizeof text, "%.3f %.3f speaker_%d", turn.start, turn.end, turn.speaker);
      segments.push_back(text);
      continue;
    }
    nlohmann::json confidence = std::round(turn.clarity * 100) / 100;
    if (unit(rng) < 0.05) confidence = nullptr;
    segments.push_back({{"start", std::round(turn.start * 1000) / 1000},
                        {"end", std::round(turn.end * 1000) / 1000},
                        {"speaker", "speaker_" + std::to_string(turn.speaker)},
                        {"confidence", confidence}});
  }
  nlohmann::json body = {{"source", "recap-relay"}, {"segments", std::move(segments)}};
  if (with_probs) {
    // Sortformer's frame count for 16 kHz audio: ceil(floor(samples / 160) / 8).
    const auto samples = static_cast<long long>(duration * 16000);
    const auto frames = static_cast<size_t>((samples / 160 + 7) / 8);
    body["probs"] = Probs(rng, turns, frames);
    body["duration"] = duration;
  }
  return body;
}

}  // namespace spark
