#include <curl/curl.h>

#include <mutex>

#include "exporter/http_client.h"

namespace spark {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

FailureReason Classify(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return FailureReason::kTimeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return FailureReason::kDns;
    case CURLE_COULDNT_CONNECT:
      return FailureReason::kRefused;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WRITE_ERROR:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_FILESIZE_EXCEEDED:
      return FailureReason::kBadBody;
    default:
      return FailureReason::kReset;  // recv/send errors, empty reply, partial file
  }
}

struct Sink {
  std::string* body;
  size_t limit;
};

size_t Write(char* data, size_t size, size_t nmemb, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * nmemb;
  if (sink->body->size() + n > sink->limit) return 0;  // aborts with CURLE_WRITE_ERROR
  sink->body->append(data, n);
  return n;
}

// RAII owner of one easy handle; connections stay cached in it between requests.
class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient() : handle_(curl_easy_init()) {}
  ~CurlHttpClient() override { curl_easy_cleanup(handle_); }
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  HttpResult Send(const HttpRequest& request) override {
    if (handle_ == nullptr) return HttpFailure{FailureReason::kReset, "curl unavailable"};
    CURL* h = handle_;
    curl_easy_reset(h);
    std::string body;
    Sink sink{&body, request.max_body_bytes};
    char error[CURL_ERROR_SIZE] = {0};
    const long timeout_ms = std::max<long>(
        1, static_cast<long>(
               std::chrono::duration_cast<std::chrono::milliseconds>(request.timeout).count()));
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_IPRESOLVE, static_cast<long>(CURL_IPRESOLVE_V4));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "spark-control");
    curl_slist* headers = nullptr;
    if (!request.bearer_token.empty()) {
      headers =
          curl_slist_append(headers, ("Authorization: Bearer " + request.bearer_token).c_str());
    }
    if (request.method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
      headers = curl_slist_append(headers, "Content-Type: application/json");
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    const CURLcode code = curl_easy_perform(h);
    curl_slist_free_all(headers);
    if (code != CURLE_OK) {
      std::string message = error[0] != '\0' ? error : curl_easy_strerror(code);
      if (code == CURLE_WRITE_ERROR) message = "response body larger than the limit";
      return HttpFailure{Classify(code), std::move(message)};
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return HttpResponse{status, std::move(body)};
  }

 private:
  CURL* handle_;
};

}  // namespace

std::unique_ptr<HttpClient> MakeCurlHttpClient() {
  GlobalInitOnce();
  return std::make_unique<CurlHttpClient>();
}

}  // namespace spark
