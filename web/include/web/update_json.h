#pragma once
// The update document (docs/api.md "Updating spark-vllm-docker"): GET /api/update, the answer
// of POST /api/update/check and /api/status `update`, built from the update monitor's snapshot
// and the controller's rollback hint. Pure functions.

#include <nlohmann/json.hpp>
#include <optional>

#include "controller/config.h"
#include "controller/controller.h"
#include "controller/update_monitor.h"
#include "exporter/status.h"

namespace spark {

nlohmann::json UpdateJson(const UpdateStatus& status, const Config& config,
                          const std::optional<RollbackHint>& hint);
// Ok when a rollback has an image to go back to (the document's `previous_image` is not null);
// no_previous_image saying why not otherwise.
Status PreviousImageStatus(const UpdateStatus& status, const Config& config);

}  // namespace spark
