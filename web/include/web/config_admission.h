#pragma once
// The refusals of PUT /api/config that protect the running server (API.md "Additions of the
// second wave": 409 conflict with a message that says why): a change that would refuse the
// very request that sends it, and raising a limit that is fixed at start.

#include <nlohmann/json.hpp>

#include "controller/config.h"
#include "exporter/status.h"
#include "web/http.h"
#include "web/request_guard.h"

namespace spark {

// The config `patch` would give, seen from the web layer: the effective config with the patch
// merged in. A `null` in the patch gives the default here (the operator file's value is not
// visible from this layer). Errors: whatever decoding says (Apply reports the same ones).
Result<Config> PreviewConfig(const Config& current, const nlohmann::json& patch);

// conflict (409) when, under `next`:
//  - `request` would be refused by the cross-site rules (CheckSite) that admitted it under
//    `before` — its credentials carried over, since whoever sets a token knows it;
//  - `request`'s own body would exceed limits.max_body_bytes;
//  - limits.max_sse_clients would be raised above `max_sse_clients_at_start` (the request
//    threads are sized from it at start; raising it needs a restart).
Status AdmitConfigChange(const Request& request, const Config& before, const Config& next,
                         const Site& site, int max_sse_clients_at_start);

}  // namespace spark
