#pragma once
// A speech service's probe target on 127.0.0.1 (GET /health): what the poller tests probe.

#include <string>

#include "exporter/probe.h"

namespace spark::test {

inline ProbeTarget LoopbackHealth(const std::string& service, int port) {
  ProbeTarget target;
  target.service = service;
  target.kind = "stt";
  target.host = "127.0.0.1";
  target.port = port;
  return target;
}

}  // namespace spark::test
