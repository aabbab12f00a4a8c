#pragma once
// Starts the real spark-control binary (or any program) as a child process and stops it
// by its PID. The child's stdout is read until "listening on URL".

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace spark::test {

// A fresh empty directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

class ChildProcess {
 public:
  // Starts `argv` with `env` added to (or overriding) the current environment. stdout is
  // captured; stderr goes to `stderr_path` when given.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
               std::string stderr_path = {});
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Reads stdout until a line starting with `prefix` (within `timeout_ms`); the rest of it.
  std::string WaitForLine(const std::string& prefix, int timeout_ms);
  // Sends `signal` and waits up to `timeout_ms` for exit; the exit code, or -1 on timeout.
  int Stop(int signal, int timeout_ms);
  // Waits for exit without signalling; the exit code or -1 on timeout.
  int Wait(int timeout_ms);
  bool running();

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  int exit_code_ = -1;
};

// spark-control --listen 127.0.0.1:0 with the given extra flags; waits for the URL.
class SparkControl {
 public:
  explicit SparkControl(std::vector<std::string> flags = {},
                        std::map<std::string, std::string> env = {});
  const std::string& url() const { return url_; }
  ChildProcess& process() { return *process_; }
  const std::string& stderr_path() const { return stderr_path_; }
  std::string StderrText() const;

 private:
  TempDir logs_;
  std::string stderr_path_;
  std::unique_ptr<ChildProcess> process_;
  std::string url_;
};

}  // namespace spark::test
