// Connection-level limits of the real binary: idle sockets cannot hold the request threads for
// long, event streams are capped per client address, and a chunked body is not allocated at
// the route's limit before it arrives.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A raw loopback TCP connection (closed by the destructor).
class Socket {
 public:
  explicit Socket(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  bool connected() const { return connected_; }
  bool Send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads until `until` appears or the peer closes or `timeout_ms` passes; what was read.
  std::string ReadUntil(const std::string& until, int timeout_ms) {
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
    while (received_.find(until) == std::string::npos && SteadyClock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 1))) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      received_.append(buffer, static_cast<size_t>(n));
    }
    return received_;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

int PortOf(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

// Resident memory of a process, in bytes.
long RssBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) * 1024;
  }
  return -1;
}

class HttpLimits : public ::testing::Test {
 protected:
  void Start(const std::string& config) {
    std::ofstream(dir_ / "config.yaml") << config;
    app_ = std::make_unique<SparkControl>(std::vector<std::string>{
        "--config", (dir_ / "config.yaml").string(), "--data-dir", (dir_ / "data").string()});
  }
  std::string Url(const std::string& path) const { return app_->url() + path; }
  int port() const { return PortOf(app_->url()); }
  // Polls /healthz until it answers 200; the time that took, or -1 after `bound_ms`.
  long HealthyWithin(int bound_ms) {
    const auto start = SteadyClock::now();
    for (int attempt = 0; attempt < 100; ++attempt) {
      const auto elapsed =
          std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
      if (elapsed.count() > bound_ms) break;
      if (Http("GET", Url("/healthz"), "", {}, 1000).status == 200) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start)
            .count();
      }
    }
    return -1;
  }

  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
};

TEST_F(HttpLimits, AFloodOfIdleSocketsFreesTheServerWithinFiveSeconds) {
  // 2 streams + 32 spare = 34 request threads; 48 idle sockets take them all.
  Start("limits: {max_sse_clients: 2}\n");
  ASSERT_EQ(Get(Url("/healthz")).status, 200);
  std::vector<std::unique_ptr<Socket>> flood;
  for (int i = 0; i < 48; ++i) {
    flood.push_back(std::make_unique<Socket>(port()));
    ASSERT_TRUE(flood.back()->connected());
  }
  // The flood stops here but its sockets stay open: the server must give the threads back.
  const long waited = HealthyWithin(8000);
  EXPECT_GE(waited, 0) << "/healthz did not answer within 8 s of an idle flood";
  EXPECT_LE(waited, 5000);
  flood.clear();
  EXPECT_GE(HealthyWithin(5000), 0);
}

TEST_F(HttpLimits, EventStreamsAreCappedPerClientAddress) {
  Start("http: {trusted_proxies: [\"127.0.0.1\"]}\n");
  const auto open_stream = [&](Socket& s, const std::string& client) {
    EXPECT_TRUE(s.Send("GET /api/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: " +
                       client + "\r\n\r\n"));
    return s.ReadUntil("\r\n\r\n", 5000);
  };
  std::vector<std::unique_ptr<Socket>> streams;
  for (int i = 0; i < 8; ++i) {
    streams.push_back(std::make_unique<Socket>(port()));
    EXPECT_EQ(open_stream(*streams.back(), "10.1.0.1").rfind("HTTP/1.1 200", 0), 0u) << i;
  }
  Socket ninth(port());
  const std::string refused = open_stream(ninth, "10.1.0.1");
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(ninth.ReadUntil("overloaded", 2000).find("overloaded"), std::string::npos);
  Socket other(port());
  EXPECT_EQ(open_stream(other, "10.1.0.2").rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(HttpLimits, AChunkedBodyIsNotAllocatedAtTheRouteLimit) {
  // POST /api/diarization allows 16 MiB; 12 stalled chunked uploads would pin 192 MiB if each
  // were allocated at the limit.
  Start("limits: {report_rate_per_client: 0}\n");
  const pid_t pid = app_->process().pid();
  const long before = RssBytes(pid);
  ASSERT_GT(before, 0);
  std::vector<std::unique_ptr<Socket>> uploads;
  for (int i = 0; i < 12; ++i) {
    uploads.push_back(std::make_unique<Socket>(port()));
    ASSERT_TRUE(uploads.back()->Send(
        "POST /api/diarization HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n"));
  }
  long peak = before;
  const auto until = SteadyClock::now() + std::chrono::milliseconds(1500);
  for (int i = 0; i < 300 && SteadyClock::now() < until && peak - before < (96L << 20); ++i) {
    peak = std::max(peak, RssBytes(pid));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_LT(peak - before, 64L << 20) << "RSS grew by " << ((peak - before) >> 20) << " MiB";
  // The uploads still complete, and a chunked body over the limit is still a 413.
  const std::string rest = "\"segments\":[]}";
  for (auto& upload : uploads) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", rest.size());
    ASSERT_TRUE(upload->Send(std::string(size) + "\r\n" + rest + "\r\n0\r\n\r\n"));
    EXPECT_EQ(upload->ReadUntil("\r\n\r\n", 5000).rfind("HTTP/1.1 200", 0), 0u);
  }
  Socket big(port());
  ASSERT_TRUE(
      big.Send("POST /api/health-event HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string piece(64 * 1024, ' ');
  char size[16];
  std::snprintf(size, sizeof size, "%zx", piece.size());
  for (int i = 0; i < 5; ++i) big.Send(std::string(size) + "\r\n" + piece + "\r\n");
  big.Send("0\r\n\r\n");
  EXPECT_EQ(big.ReadUntil("\r\n\r\n", 5000).rfind("HTTP/1.1 413", 0), 0u);
}

}  // namespace
}  // namespace spark::test
