// POST /api/swap: `{"model": ID}`; anything else is refused naming `model`.
#include "fuzz_support.h"
#include "fuzz_targets.h"
#include "web/request_bodies.h"

namespace spark::fuzz {

void FuzzSwapBody(std::string_view input) {
  const auto body = ParseBody(input);
  if (!body.ok()) return;
  const auto model = ParseSwapRequest(*body);
  if (!model.ok()) return RequireFieldError(model.status(), {"model"});
  Require(body->at("model") == *model, "the id is the body's model");
}

}  // namespace spark::fuzz
