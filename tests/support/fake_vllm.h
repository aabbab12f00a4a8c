#pragma once
// vLLM as the fake container of tests/testdata/fakes would serve it: a LoopbackServer whose
// /health and /v1/models answer 200 with the model of the container file (line 3 of
// $SPARK_FAKE_STATE/containers/vllm_node: `vllm serve MODEL`), and 500 while there is none.
// A thread re-reads the file every 20 ms; stopped by the destructor.

#include <atomic>
#include <filesystem>
#include <thread>

#include "support/loopback_server.h"

namespace spark::test {

class FakeVllm {
 public:
  explicit FakeVllm(std::filesystem::path container);
  ~FakeVllm();
  FakeVllm(const FakeVllm&) = delete;
  FakeVllm& operator=(const FakeVllm&) = delete;

  int port() const { return server_.port(); }

 private:
  std::filesystem::path container_;
  LoopbackServer server_{Behaviour::kStatus500};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace spark::test
