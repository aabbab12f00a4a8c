#pragma once
// Synthetic POST /api/diarization bodies for --demo, as Recap Relay posts them after running
// Sortformer on a recording: two or three people talking in turns, now and then over each
// other, and every fifth turn (the second first) hard to attribute (an uncertain segment).

#include <nlohmann/json.hpp>
#include <random>

namespace spark {

// A body for a made-up 20–90 s recording from "recap-relay". With `with_probs` the compute
// form (NeMo segment strings, a T × 4 tensor at 12.5 fps, `duration`); otherwise the report
// form (segment objects with confidences, a few null).
nlohmann::json SyntheticDiarization(std::mt19937& rng, bool with_probs);

}  // namespace spark
