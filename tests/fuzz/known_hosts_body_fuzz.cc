// POST /api/ssh/known-hosts/{spark}: `{"fingerprint": "SHA256:…"}`; anything else is
// refused naming `fingerprint`.
#include "fuzz_support.h"
#include "fuzz_targets.h"
#include "web/request_bodies.h"

namespace spark::fuzz {

void FuzzKnownHostsBody(std::string_view input) {
  const auto body = ParseBody(input);
  if (!body.ok()) return;
  const auto fingerprint = ParseKnownHostsRequest(*body);
  if (!fingerprint.ok()) return RequireFieldError(fingerprint.status(), {"fingerprint"});
  Require(fingerprint->starts_with("SHA256:"), "a fingerprint is SHA256:…");
  Require(body->at("fingerprint") == *fingerprint, "the fingerprint is the body's");
}

}  // namespace spark::fuzz
