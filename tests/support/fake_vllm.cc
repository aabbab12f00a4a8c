#include "support/fake_vllm.h"

#include <chrono>
#include <fstream>
#include <string>

namespace spark::test {

FakeVllm::FakeVllm(std::filesystem::path container) : container_(std::move(container)) {
  thread_ = std::thread([this] {
    std::string served = "?";
    while (!stop_) {
      std::string model;
      if (std::ifstream in(container_); in) {
        for (int i = 0; i < 3 && std::getline(in, model); ++i) {
        }
      }
      if (model != served) {
        served = model;
        if (model.empty()) {
          server_.Set(Behaviour::kStatus500);
        } else {
          server_.Set(Behaviour::kOk, VllmModelsBody(model));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
}

FakeVllm::~FakeVllm() {
  stop_ = true;
  thread_.join();
}

}  // namespace spark::test
