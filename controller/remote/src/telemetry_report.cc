#include "controller/telemetry_report.h"

#include <charconv>
#include <cmath>

#include "remote_words.h"

namespace spark {
namespace {

constexpr std::string_view kTelemetryEnd = "spark-control-telemetry-end";
constexpr size_t kMaxGpuErrorBytes = 200;
constexpr int kMaxGpuIndex = 255;
constexpr int64_t kMiB = 1024 * 1024;
constexpr uint64_t kMaxMiB = uint64_t{1} << 30;  // 1 PiB of GPU memory: beyond is garbage
constexpr uint64_t kMaxKb = uint64_t{1} << 40;   // 1 EiB of RAM
constexpr uint64_t kMaxDiskBytes = uint64_t{1} << 62;

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// `text` as a plain decimal number in [lo, hi]; nullopt for N/A, [Not Supported] and garbage.
std::optional<double> ParseDecimal(std::string_view text, double lo, double hi) {
  text = TrimSpaces(text);
  if (text.empty() || text.size() > 32) return std::nullopt;
  for (const char c : text) {
    if ((c < '0' || c > '9') && c != '.' && c != '-') return std::nullopt;
  }
  double value = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  if (value < lo || value > hi) return std::nullopt;
  return value;
}

std::optional<int64_t> MiBToBytes(std::string_view text) {
  const auto mib = ParseCount(TrimSpaces(text));
  if (!mib || *mib > kMaxMiB) return std::nullopt;
  return static_cast<int64_t>(*mib) * kMiB;
}

std::string Printable(std::string_view text, size_t max) {
  std::string out(text.substr(0, max));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return out;
}

std::vector<std::string_view> SplitColumns(std::string_view csv) {
  std::vector<std::string_view> columns;
  size_t at = 0;
  while (columns.size() < 16) {
    const size_t comma = csv.find(',', at);
    columns.push_back(csv.substr(at, comma == std::string_view::npos ? csv.npos : comma - at));
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return columns;
}

// `gpu CSV` (index,name,utilization,temperature,power,sm clock,memory used,memory total);
// missing columns are nullopt, extra ones ignored.
void ReadGpu(std::string_view csv, TelemetryReport& report) {
  const auto columns = SplitColumns(csv);
  const auto column = [&columns](size_t i) {
    return i < columns.size() ? TrimSpaces(columns[i]) : std::string_view();
  };
  const auto index = column(0).size() <= 3 ? ParseCount(column(0)) : std::nullopt;
  if (!index || *index > kMaxGpuIndex || report.gpus.size() >= kMaxTelemetryGpus) return;
  GpuSample gpu;
  gpu.index = static_cast<int>(*index);
  gpu.name = Printable(column(1), kMaxGpuNameBytes);
  if (const auto u = ParseDecimal(column(2), 0, 100)) gpu.utilization = *u / 100;
  gpu.temperature_c = ParseDecimal(column(3), -50, 200);
  gpu.power_w = ParseDecimal(column(4), 0, 10000);
  gpu.sm_clock_mhz = ParseDecimal(column(5), 0, 100000);
  gpu.memory_used_bytes = MiBToBytes(column(6));
  gpu.memory_total_bytes = MiBToBytes(column(7));
  report.gpus.push_back(std::move(gpu));
}

std::optional<int64_t> KbToBytes(std::string_view text) {
  const auto kb = ParseCount(text);
  if (!kb || *kb > kMaxKb) return std::nullopt;
  return static_cast<int64_t>(*kb) * 1024;
}

std::optional<double> PressureRatio(std::string_view text) {
  const auto percent = ParseDecimal(text, 0, 100);
  if (!percent) return std::nullopt;
  return *percent / 100;
}

void ReadLine(std::string_view line, TelemetryReport& report) {
  if (const auto rest = AfterKey(line, "gpu")) {
    if (*rest == "-" || rest->starts_with("- ")) {
      const std::string text =
          Printable(rest->substr(std::min<size_t>(rest->size(), 2)), kMaxGpuErrorBytes);
      report.gpu_error = text.empty() ? "nvidia-smi failed" : text;
    } else {
      ReadGpu(*rest, report);
    }
  } else if (const auto total = AfterKey(line, "mem_total_kb")) {
    report.mem_total_bytes = KbToBytes(*total);
  } else if (const auto available = AfterKey(line, "mem_available_kb")) {
    report.mem_available_bytes = KbToBytes(*available);
  } else if (const auto some = AfterKey(line, "psi_some_avg10")) {
    report.pressure_some_avg10 = PressureRatio(*some);
  } else if (const auto full = AfterKey(line, "psi_full_avg10")) {
    report.pressure_full_avg10 = PressureRatio(*full);
  } else if (const auto disk = AfterKey(line, "disk_free_bytes")) {
    const auto bytes = ParseCount(*disk);
    report.disk_free_bytes =
        bytes && *bytes <= kMaxDiskBytes ? std::optional<int64_t>(*bytes) : std::nullopt;
  }
}

}  // namespace

Result<TelemetryReport> ParseTelemetryReport(std::string_view out) {
  TelemetryReport report;
  size_t at = 0;
  while (at < out.size()) {
    const std::string_view line = NextLine(out, at);
    if (line == kTelemetryEnd) return report;
    ReadLine(line, report);
  }
  return Status::Error(ErrorCode::kInvalidField,
                       "the telemetry output ends before spark-control-telemetry-end", "telemetry");
}

std::optional<GpuMemory> GpuMemoryUsed(const TelemetryReport& report, const GpuSample& gpu) {
  if (gpu.memory_used_bytes) return GpuMemory{*gpu.memory_used_bytes, "nvidia-smi"};
  if (report.mem_total_bytes && report.mem_available_bytes &&
      *report.mem_available_bytes <= *report.mem_total_bytes) {
    return GpuMemory{*report.mem_total_bytes - *report.mem_available_bytes, "meminfo"};
  }
  return std::nullopt;
}

}  // namespace spark
