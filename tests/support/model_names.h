#pragma once
// Model ids the tests serve and swap to, as vLLM reports them.

namespace spark::test {

inline constexpr const char* kQwen36 = "RedHatAI/Qwen3.6-35B-A3B-NVFP4";

}  // namespace spark::test
