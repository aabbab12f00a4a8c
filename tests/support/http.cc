#include "support/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "support/response_log.h"

namespace spark::test {
namespace {

std::string ErrorMember(const Reply& reply, const char* key) {
  const auto body = nlohmann::json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return "";
  return body["error"].value(key, "");
}

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t AppendHeader(char* data, size_t size, size_t n, void* user) {
  const std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n ") + 1);
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  }
  return size * n;
}

std::string HeaderValue(const std::map<std::string, std::string>& headers, const char* name) {
  const auto found = headers.find(name);
  return found == headers.end() ? "" : found->second;
}

struct StreamState {
  std::string data;
  std::function<bool(const std::string&)> done;
  bool finished = false;
  std::map<std::string, std::string> headers;  // lower-case names
};

size_t AppendStream(char* data, size_t size, size_t n, void* user) {
  auto* state = static_cast<StreamState*>(user);
  state->data.append(data, size * n);
  if (state->done(state->data)) {
    state->finished = true;
    return 0;  // abort the transfer
  }
  return size * n;
}

// One easy handle with the options every test request shares; the caller frees both.
CURL* NewHandle(const std::string& url, const std::vector<std::string>& headers, int timeout_ms,
                curl_slist*& list) {
  CURL* h = curl_easy_init();
  list = nullptr;
  for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  return h;
}

}  // namespace

Reply Http(const std::string& method, const std::string& url, const std::string& body,
           std::vector<std::string> headers, int timeout_ms) {
  Reply reply;
  curl_slist* list;
  CURL* h = NewHandle(url, headers, timeout_ms, list);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &AppendHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &reply.headers);
  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  } else {
    reply.error = curl_easy_strerror(code);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(h);
  ResponseLog::FromEnvironment().RecordResponse(
      method, url, reply.status, HeaderValue(reply.headers, "content-type"), reply.body);
  return reply;
}

Reply SendJson(const std::string& method, const std::string& url, const std::string& body,
               std::vector<std::string> headers) {
  headers.push_back("Content-Type: application/json");
  return Http(method, url, body, std::move(headers));
}

std::string ReadStream(const std::string& url, std::vector<std::string> headers, int timeout_ms,
                       std::function<bool(const std::string&)> done) {
  StreamState state{{}, std::move(done), false, {}};
  curl_slist* list;
  CURL* h = NewHandle(url, headers, timeout_ms, list);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &AppendStream);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &AppendHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &state.headers);
  curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  curl_easy_cleanup(h);
  // A stream is recorded as its frames, a refusal (a JSON error) as a response.
  ResponseLog& log = ResponseLog::FromEnvironment();
  const std::string type = HeaderValue(state.headers, "content-type");
  if (type.rfind("text/event-stream", 0) == 0) {
    log.RecordStream(url, status, state.data);
  } else {
    log.RecordResponse("GET", url, status, type, state.data);
  }
  return state.data;
}

std::string ErrorCode(const Reply& reply) { return ErrorMember(reply, "code"); }
std::string ErrorField(const Reply& reply) { return ErrorMember(reply, "field"); }

double MetricValue(const std::string& metrics, const std::string& series) {
  const auto at = metrics.find(series + " ");
  return at == std::string::npos ? -1 : std::stod(metrics.substr(at + series.size() + 1));
}

}  // namespace spark::test
