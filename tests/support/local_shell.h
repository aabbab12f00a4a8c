#pragma once
// Runs a remote command line under the local bash, as sshd would run it on a Spark, with the
// environment the test chooses (HOME in a temp dir, a fake tool first on PATH).

#include <cstdio>
#include <map>
#include <string>

#include "controller/shell_quote.h"

namespace spark::test {

// `bash -c LINE` with `env` set first; its stdout (stderr goes to the test's stderr).
inline std::string RunShellLine(const std::map<std::string, std::string>& env,
                                const std::string& line) {
  std::string command = "env";
  for (const auto& [key, value] : env) command += " " + key + "=" + ShellQuote(value);
  command += " bash -c " + ShellQuote(line);
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  for (size_t n = fread(buffer, 1, sizeof buffer, pipe); n > 0;
       n = fread(buffer, 1, sizeof buffer, pipe)) {
    out.append(buffer, n);
  }
  pclose(pipe);
  return out;
}

}  // namespace spark::test
