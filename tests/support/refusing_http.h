#pragma once
// An HTTP client whose every request is refused, as when nothing listens: for tests about
// ownership and routing, where probes must run but find nothing.

#include <memory>

#include "exporter/http_client.h"

namespace spark::test {

class RefusingHttp final : public HttpClient {
 public:
  HttpResult Send(const HttpRequest&) override {
    return HttpFailure{FailureReason::kRefused, "Connection refused"};
  }
};

inline HttpClientFactory RefusingHttpFactory() {
  return [] { return std::make_unique<RefusingHttp>(); };
}

}  // namespace spark::test
