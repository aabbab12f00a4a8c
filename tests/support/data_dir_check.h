#pragma once
// Reads a data dir the way a restarted process would, to prove no write tore a file
// (API.md "Data dir"): every line of every *.jsonl is a complete JSON object, every *.yaml
// loads; plus the leftovers a killed process may leave (temp files of WriteFileAtomic, files
// set aside as *.corrupt-*). Call it while no process writes the dir, or filter by pid.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace spark::test {

// One line per problem ("events.jsonl:12: not a JSON object: …"); empty when intact.
std::vector<std::string> TornFiles(const std::filesystem::path& data_dir);

// Temp files (`*.tmp-spark-PID`) of any process other than `except_pid`, and `*.corrupt-*`
// files, anywhere under `data_dir`.
std::vector<std::string> Leftovers(const std::filesystem::path& data_dir, pid_t except_pid);

}  // namespace spark::test
