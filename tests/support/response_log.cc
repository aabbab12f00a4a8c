#include "support/response_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

namespace spark::test {
namespace {

using nlohmann::json;

std::string LineOf(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

// Whether `line` is the SSE field `name` ("name: value" or "name:value"); its value then.
bool FieldValue(std::string_view line, std::string_view name, std::string_view& value) {
  if (line.size() < name.size() + 1 || line.substr(0, name.size()) != name ||
      line[name.size()] != ':') {
    return false;
  }
  value = line.substr(name.size() + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return true;
}

struct SseFrame {
  std::string event = "message";
  std::string data;
  bool has_data = false;
};

SseFrame ParseFrame(std::string_view text) {
  SseFrame frame;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    std::string_view value;
    if (FieldValue(line, "event", value)) {
      frame.event = std::string(value);
    } else if (FieldValue(line, "data", value)) {
      if (frame.has_data) frame.data += '\n';
      frame.data.append(value);
      frame.has_data = true;
    }
    at = end + 1;
  }
  return frame;
}

}  // namespace

ResponseLog::ResponseLog(const std::string& path, size_t limit_bytes) : limit_bytes_(limit_bytes) {
  if (!path.empty()) fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

ResponseLog::~ResponseLog() {
  if (fd_ >= 0) ::close(fd_);
}

ResponseLog& ResponseLog::FromEnvironment() {
  static ResponseLog log([] {
    const char* path = std::getenv("SPARK_RESPONSE_LOG");
    return std::string(path == nullptr ? "" : path);
  }());
  return log;
}

void ResponseLog::RecordResponse(const std::string& method, const std::string& url, long status,
                                 const std::string& content_type, const std::string& body) {
  if (fd_ < 0 || status == 0) return;
  json line = {{"method", method}, {"path", RequestPath(url)}, {"status", status}};
  if (IsJsonContentType(content_type)) {
    line["body"] = body;
  } else {
    line["content_type"] = content_type;
  }
  Append(LineOf(line));
}

void ResponseLog::RecordStream(const std::string& url, long status, const std::string& stream) {
  if (fd_ < 0) return;
  const std::string path = RequestPath(url);
  std::string lines;
  size_t at = 0;
  for (size_t end = stream.find("\n\n"); end != std::string::npos;
       at = end + 2, end = stream.find("\n\n", at)) {
    const SseFrame frame = ParseFrame(std::string_view(stream).substr(at, end - at));
    if (!frame.has_data) continue;  // a comment (": ping") or an empty frame
    lines += LineOf({{"method", "GET"},
                     {"path", path},
                     {"status", status},
                     {"event", frame.event},
                     {"data", frame.data}});
  }
  if (!lines.empty()) Append(lines);
}

void ResponseLog::Append(const std::string& line) {
  std::lock_guard lock(mu_);
  if (full_) return;
  struct stat info {};
  const bool room =
      ::fstat(fd_, &info) == 0 && static_cast<size_t>(info.st_size) + line.size() <= limit_bytes_;
  const std::string text = room ? line : LineOf({{"truncated", true}});
  full_ = !room;
  // One write: O_APPEND makes it land whole at the end, after other processes' lines.
  if (::write(fd_, text.data(), text.size()) < 0) full_ = true;
}

std::string RequestPath(const std::string& url) {
  size_t start = 0;
  const size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    start = url.find('/', scheme + 3);
    if (start == std::string::npos) return "/";
  }
  const size_t end = std::min(url.find('?', start), url.find('#', start));
  const std::string path = url.substr(start, end == std::string::npos ? end : end - start);
  return path.empty() ? "/" : path;
}

bool IsJsonContentType(const std::string& content_type) {
  std::string media = content_type.substr(0, content_type.find(';'));
  media.erase(media.find_last_not_of(" \t") + 1);
  media.erase(0, media.find_first_not_of(" \t"));
  std::transform(media.begin(), media.end(), media.begin(), ::tolower);
  return media == "application/json" ||
         (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
}

}  // namespace spark::test
