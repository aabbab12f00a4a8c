// POST /api/models: the body decoded as a custom catalog model. A refused body names its
// field; an accepted model has a valid id, allowed launch args (also with every override
// set), and survives models-custom.yaml.
#include "catalog_checks.h"
#include "fuzz_targets.h"

namespace spark::fuzz {

void FuzzModelBody(std::string_view input) {
  const auto body = ParseBody(input);
  if (!body.ok()) return;
  const auto model = DecodeCustomModel(*body);
  if (!model.ok()) {
    // (An empty field is right only when the key at fault is the empty key.)
    Require((!model.status().field().empty() || body->contains("")) &&
                !model.status().message().empty(),
            "a refused model names its field");
    return;
  }
  Require(model->source == ModelSource::kCustom, "a posted model is custom");
  Require(!model->id.empty() && model->id.size() <= 64, "a model has an id of 1-64 bytes");
  Require(ValidateHfRepo(model->hf_repo).ok(), "the repo passes the allow-list");
  RequireLaunchArgs(*model, {});
  ModelOverrides all;
  all.max_model_len = 4096;
  all.gpu_memory_utilization = 0.5;
  all.fastsafetensors = true;
  all.prefix_caching = false;
  all.fp8_kv_cache = false;
  RequireLaunchArgs(*model, all);
  RequireCustomFileRoundTrip({*model});
}

}  // namespace spark::fuzz
