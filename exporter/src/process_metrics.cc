// process_resident_memory_bytes, process_cpu_seconds_total, process_start_time_seconds,
// process_open_fds: the standard families every Prometheus client library exports.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "exporter/metrics.h"

namespace spark {
namespace {

using prometheus::MetricType;

struct ProcessSample {
  double rss_bytes = 0;
  double cpu_seconds = 0;
  double start_time = 0;
  double open_fds = 0;
};

double BootTime() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

ProcessSample ReadProcess() {
  ProcessSample sample;
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name "(...)", which may contain spaces.
  const auto close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    std::vector<std::string> f;
    while (fields >> field) f.push_back(field);
    // f[0] is field 3 (state); utime=14, stime=15, starttime=22, rss=24 (1-based).
    if (f.size() > 21) {
      const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      sample.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      sample.start_time = BootTime() + std::stod(f[19]) / ticks;
      sample.rss_bytes = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
    }
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++sample.open_fds;
  }
  return sample;
}

bool operator==(const ProcessSample& a, const ProcessSample& b) {
  return a.rss_bytes == b.rss_bytes && a.cpu_seconds == b.cpu_seconds &&
         a.start_time == b.start_time && a.open_fds == b.open_fds;
}

// The sample is the one piece of state here: read from /proc when a second of `clock_` has
// passed since the last read, kept otherwise.
class ProcessMetrics final : public MetricsSource {
 public:
  explicit ProcessMetrics(const Clock& clock) : clock_(clock) {}

  uint64_t version() const override { return Current().first; }

  void Collect(Families& out) const override {
    const ProcessSample s = Current().second;
    auto add = [&out](const char* name, const char* help, MetricType type, double value) {
      auto family = MakeFamily(name, help, type);
      if (type == MetricType::Counter)
        AddCounter(family, {}, value);
      else
        AddGauge(family, {}, value);
      out.push_back(std::move(family));
    };
    add("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
        MetricType::Counter, s.cpu_seconds);
    add("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
        s.rss_bytes);
    add("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
        MetricType::Gauge, s.start_time);
    add("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, s.open_fds);
  }

 private:
  // The sample and its generation, re-read first if it is a second old.
  std::pair<uint64_t, ProcessSample> Current() const {
    std::lock_guard lock(mu_);
    const SteadyTime now = clock_.Now();
    if (generation_ == 0 || now - read_at_ >= std::chrono::seconds(1)) {
      ProcessSample fresh = ReadProcess();
      read_at_ = now;
      if (generation_ == 0 || !(fresh == sample_)) {
        sample_ = fresh;
        ++generation_;
      }
    }
    return {generation_, sample_};
  }

  const Clock& clock_;
  mutable std::mutex mu_;  // guards the fields below
  mutable SteadyTime read_at_{};
  mutable ProcessSample sample_;
  mutable uint64_t generation_ = 0;
};

}  // namespace

std::shared_ptr<MetricsSource> MakeProcessMetrics(const Clock& clock) {
  return std::make_shared<ProcessMetrics>(clock);
}

}  // namespace spark
