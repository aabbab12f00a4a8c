#include "controller/job.h"

#include <array>

#include "exporter/time_format.h"

namespace spark {
namespace {

using nlohmann::json;

constexpr std::array kKindNames = {"swap", "download", "update", "service"};
constexpr std::array kStateNames = {"queued", "running", "succeeded", "failed", "cancelled"};
constexpr std::array kTriggerNames = {"user", "recovery"};

template <typename Enum, size_t N>
std::optional<Enum> FromName(const std::array<const char*, N>& names, const json& value) {
  if (!value.is_string()) return std::nullopt;
  for (size_t i = 0; i < N; ++i) {
    if (value.get_ref<const std::string&>() == names[i]) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

// The member `key` of `object` when it is a string, else "" (a record written by another
// version, or edited by hand, must not stop the load).
std::string StringMember(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// `text` cut to JobLog::kMaxLineBytes, at a UTF-8 character boundary, saying how much went.
std::string CutLine(std::string text) {
  if (text.size() <= JobLog::kMaxLineBytes) return text;
  const size_t total = text.size();
  constexpr size_t kRoom = 32;  // for the note
  size_t keep = JobLog::kMaxLineBytes - kRoom;
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  text.resize(keep);
  text += "… (" + std::to_string(total - keep) + " bytes cut)";
  return text;
}

std::string_view StreamName(LogStream stream) {
  switch (stream) {
    case LogStream::kStdout:
      return "stdout";
    case LogStream::kStderr:
      return "stderr";
    case LogStream::kSystem:
      return "system";
  }
  return "system";
}

}  // namespace

std::string_view JobKindName(JobKind kind) { return kKindNames[static_cast<size_t>(kind)]; }
std::string_view JobStateName(JobState state) { return kStateNames[static_cast<size_t>(state)]; }
std::string_view JobTriggerName(JobTrigger trigger) {
  return kTriggerNames[static_cast<size_t>(trigger)];
}
bool IsFinished(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

namespace {

template <typename T>
json OrNull(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json EncodeProgress(const JobProgress& p) {
  return {{"phase", p.phase},
          {"percent", OrNull(p.percent)},
          {"bytes_done", OrNull(p.bytes_done)},
          {"bytes_total", OrNull(p.bytes_total)},
          {"rate_bps", OrNull(p.rate_bps)},
          {"eta_s", OrNull(p.eta_s)},
          {"stalled", p.stalled},
          {"stalled_s", OrNull(p.stalled_s)}};
}

template <typename T>
std::optional<T> NumberMember(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  if constexpr (std::is_integral_v<T>) {
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
      return std::nullopt;
    }
  }
  return it->get<T>();
}

JobProgress DecodeProgress(const json& p) {
  JobProgress progress;
  progress.phase = StringMember(p, "phase");
  progress.percent = NumberMember<double>(p, "percent");
  progress.bytes_done = NumberMember<uint64_t>(p, "bytes_done");
  progress.bytes_total = NumberMember<uint64_t>(p, "bytes_total");
  progress.rate_bps = NumberMember<double>(p, "rate_bps");
  progress.eta_s = NumberMember<double>(p, "eta_s");
  progress.stalled = p.value("stalled", json()).is_boolean() && p["stalled"].get<bool>();
  progress.stalled_s = NumberMember<double>(p, "stalled_s");
  return progress;
}

std::optional<RemoteWork> DecodeRemote(const json& r) {
  if (!r.is_object()) return std::nullopt;
  RemoteWork work{StringMember(r, "spark"), StringMember(r, "dir"),
                  NumberMember<long>(r, "pid").value_or(0)};
  if (work.spark.empty() || work.dir.empty()) return std::nullopt;
  return work;
}

}  // namespace

json EncodeJob(const JobInfo& job) {
  const json progress = EncodeProgress(job.progress);
  json out = {{"id", job.id},
              {"kind", JobKindName(job.kind)},
              {"state", JobStateName(job.state)},
              {"target", job.target},
              {"started_at", FormatRfc3339(job.started_at)},
              {"ended_at", job.ended_at ? json(FormatRfc3339(*job.ended_at)) : json(nullptr)},
              {"progress", progress},
              {"error", nullptr},
              {"result", job.result},
              {"request", job.request},
              {"remote", nullptr},
              {"trigger", JobTriggerName(job.trigger)}};
  if (job.remote) {
    out["remote"] = {
        {"spark", job.remote->spark}, {"dir", job.remote->dir}, {"pid", job.remote->pid}};
  }
  if (!job.action.empty()) out["action"] = job.action;
  if (!job.cluster.empty()) out["cluster"] = job.cluster;
  if (job.error) {
    out["error"] = {{"code", job.error->code},
                    {"message", job.error->message},
                    {"log_tail", job.error->log_tail}};
    if (!job.error->fingerprint.empty()) out["error"]["fingerprint"] = job.error->fingerprint;
    if (job.error->hint) out["error"]["hint"] = *job.error->hint;
  }
  return out;
}

std::optional<JobInfo> DecodeJob(const json& record) {
  if (!record.is_object()) return std::nullopt;
  JobInfo job;
  const auto kind = FromName<JobKind>(kKindNames, record.value("kind", json()));
  const auto state = FromName<JobState>(kStateNames, record.value("state", json()));
  const auto started = ParseRfc3339(StringMember(record, "started_at"));
  const json id = record.value("id", json());
  if (!kind || !state || !started || !id.is_string() || id.get<std::string>().size() < 2) {
    return std::nullopt;
  }
  job.id = id.get<std::string>();
  job.kind = *kind;
  job.state = *state;
  job.started_at = *started;
  job.target = StringMember(record, "target");
  job.action = StringMember(record, "action");
  job.cluster = StringMember(record, "cluster");
  job.trigger = FromName<JobTrigger>(kTriggerNames, record.value("trigger", json()))
                    .value_or(JobTrigger::kUser);
  if (const auto ended = record.value("ended_at", json()); ended.is_string()) {
    job.ended_at = ParseRfc3339(ended.get<std::string>());
  }
  if (const auto progress = record.value("progress", json()); progress.is_object()) {
    job.progress = DecodeProgress(progress);
  }
  if (const auto request = record.value("request", json()); request.is_object()) {
    job.request = request;
  }
  job.remote = DecodeRemote(record.value("remote", json()));
  if (const auto error = record.value("error", json()); error.is_object()) {
    JobError e;
    e.code = StringMember(error, "code");
    e.message = StringMember(error, "message");
    e.fingerprint = StringMember(error, "fingerprint");
    if (const auto hint = error.value("hint", json()); hint.is_object()) e.hint = hint;
    if (const auto tail = error.value("log_tail", json()); tail.is_array()) {
      for (const auto& line : tail) {
        if (line.is_string()) e.log_tail.push_back(line.get<std::string>());
      }
    }
    job.error = std::move(e);
  }
  job.result = record.value("result", json());
  return job;
}

json EncodeLogLine(const JobLogLine& line) {
  return {{"seq", line.seq},
          {"ts", FormatRfc3339(line.ts)},
          {"stream", StreamName(line.stream)},
          {"text", line.text}};
}

void JobLog::Append(WallTime ts, LogStream stream, std::string text) {
  JobLogLine line{next_seq_++, ts, stream, CutLine(std::move(text))};
  bytes_ += line.text.size();
  if (head_.size() < kHead) {
    head_.push_back(std::move(line));
    return;
  }
  tail_.push_back(std::move(line));
  // The head holds at most kHead × kMaxLineBytes (well under kMaxBytes): the tail always keeps
  // its newest line.
  while (tail_.size() > kTail || (bytes_ > kMaxBytes && tail_.size() > 1)) {
    bytes_ -= tail_.front().text.size();
    tail_.pop_front();
    ++dropped_;
  }
}

std::vector<JobLogLine> JobLog::Since(uint64_t after) const {
  std::vector<JobLogLine> lines;
  for (const auto& line : head_) {
    if (line.seq > after) lines.push_back(line);
  }
  if (dropped_ > 0) {
    // The marker takes the seq of the last dropped line, so a client that resumes after it
    // does not see it twice.
    const uint64_t marker_seq = tail_.front().seq - 1;
    if (marker_seq > after) {
      lines.push_back({marker_seq, tail_.front().ts, LogStream::kSystem,
                       "… " + std::to_string(dropped_) + " lines not kept …"});
    }
  }
  for (const auto& line : tail_) {
    if (line.seq > after) lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> JobLog::Tail(size_t n) const {
  std::vector<std::string> texts;
  const auto lines = Since(last_seq() > n ? last_seq() - n : 0);
  const size_t skip = lines.size() > n ? lines.size() - n : 0;
  for (size_t i = skip; i < lines.size(); ++i) texts.push_back(lines[i].text);
  return texts;
}

}  // namespace spark
