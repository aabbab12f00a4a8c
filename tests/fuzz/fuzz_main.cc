// One libFuzzer binary for every target: the build links once, and each target is a
// symlink named fuzz_TARGET (the name picks the row of kTargets), so
// `build/fuzz/tests/fuzz_TARGET FILE` replays an input. SPARK_FUZZ_TARGET overrides the name.
#include <pthread.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {
namespace {

struct TargetRow {
  std::string_view name;
  Target run;
  // Parsers of request bodies run on CivetWeb's request threads, whose stacks are small:
  // run them on a thread with a stack of that order, so recursion on input is a crash here.
  bool request_thread;
};

constexpr TargetRow kTargets[] = {
    {"diarization_request", FuzzDiarizationRequest, true},
    {"health_event", FuzzHealthEvent, true},
    {"config_patch", FuzzConfigPatch, true},
    {"model_body", FuzzModelBody, true},
    {"overrides_body", FuzzOverridesBody, true},
    {"swap_body", FuzzSwapBody, true},
    {"known_hosts_body", FuzzKnownHostsBody, true},
    {"config_yaml", FuzzConfigYaml, false},
    {"catalog_yaml", FuzzCatalogYaml, false},
    {"vllm_log", FuzzVllmLog, false},
    {"shell_words", FuzzShellWords, false},
    {"jobs_line", FuzzJobsLine, false},
    {"events_line", FuzzEventsLine, false},
    {"detached_poll", FuzzDetachedPoll, false},
    {"hub_reply", FuzzHubReply, false},
    {"cache_scan", FuzzCacheScan, false},
    {"update_report", FuzzUpdateReport, false},
    {"container_report", FuzzContainerReport, false},
    {"telemetry_report", FuzzTelemetryReport, false},
};

// CivetWeb's request threads get about 100 KiB; ASan's redzones make our frames about 2.5
// times larger, so 256 KiB here stands for the same depth budget.
constexpr size_t kRequestStackBytes = 256 * 1024;

const TargetRow* g_target = nullptr;

struct Call {
  const TargetRow* target;
  std::string_view input;
};

void* RunCall(void* arg) {
  const Call* call = static_cast<const Call*>(arg);
  call->target->run(call->input);
  return nullptr;
}

void RunOnRequestStack(const TargetRow& target, std::string_view input) {
  Call call{&target, input};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kRequestStackBytes);
  pthread_t thread;
  if (pthread_create(&thread, &attr, RunCall, &call) != 0) Fail("pthread_create failed");
  pthread_attr_destroy(&attr);
  pthread_join(thread, nullptr);
}

const TargetRow* FindTarget(std::string_view name) {
  for (const TargetRow& row : kTargets) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

}  // namespace
}  // namespace spark::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  using spark::fuzz::kTargets;
  std::string_view name;
  if (const char* forced = std::getenv("SPARK_FUZZ_TARGET")) {
    name = forced;
  } else if (*argc > 0) {
    name = (*argv)[0];
    if (const size_t slash = name.rfind('/'); slash != std::string_view::npos) {
      name.remove_prefix(slash + 1);
    }
    if (name.starts_with("fuzz_")) name.remove_prefix(5);
  }
  spark::fuzz::g_target = spark::fuzz::FindTarget(name);
  if (spark::fuzz::g_target == nullptr) {
    std::fprintf(stderr,
                 "unknown fuzz target \"%.*s\"; run it as fuzz_TARGET or set "
                 "SPARK_FUZZ_TARGET to one of:",
                 static_cast<int>(name.size()), name.data());
    for (const auto& row : kTargets) {
      std::fprintf(stderr, " %.*s", static_cast<int>(row.name.size()), row.name.data());
    }
    std::fprintf(stderr, "\n");
    std::exit(2);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto& target = *spark::fuzz::g_target;
  if (target.request_thread) {
    spark::fuzz::RunOnRequestStack(target, input);
  } else {
    target.run(input);
  }
  return 0;
}
