#pragma once
// The libFuzzer targets, one per parser of outside input (one file each, *_fuzz.cc), listed
// in one table in fuzz_main.cc.

#include <string_view>

namespace spark::fuzz {

// Request bodies (run on a thread with a CivetWeb-sized stack).
void FuzzDiarizationRequest(std::string_view input);
void FuzzHealthEvent(std::string_view input);
void FuzzConfigPatch(std::string_view input);
void FuzzModelBody(std::string_view input);
void FuzzOverridesBody(std::string_view input);
void FuzzSwapBody(std::string_view input);
void FuzzKnownHostsBody(std::string_view input);
// Files and remote output.
void FuzzConfigYaml(std::string_view input);
void FuzzCatalogYaml(std::string_view input);
void FuzzVllmLog(std::string_view input);
void FuzzShellWords(std::string_view input);
void FuzzJobsLine(std::string_view input);
void FuzzEventsLine(std::string_view input);
// What the Sparks answer about downloads (issue 14).
void FuzzDetachedPoll(std::string_view input);
void FuzzHubReply(std::string_view input);
void FuzzCacheScan(std::string_view input);
// What the Sparks answer about updates (issue 15).
void FuzzUpdateReport(std::string_view input);
void FuzzContainerReport(std::string_view input);
void FuzzTelemetryReport(std::string_view input);

}  // namespace spark::fuzz
