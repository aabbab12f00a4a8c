// The connection watch against real service processes on loopback (python's http.server): a
// service killed with SIGKILL is down, reason refused, while the next poll is a minute away,
// and up again when it comes back on the same port; a server that drops idle connections
// every 100 ms is never taken for dead.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <string>

#include "exporter/poller.h"
#include "support/eventually.h"
#include "support/health_target.h"
#include "support/process.h"

namespace spark {
namespace {

using std::chrono::seconds;

constexpr char kPython[] = "/usr/bin/python3";

// A health endpoint that answers 200 and closes every connection idle for 100 ms.
constexpr char kIdleClosingServer[] = R"(import http.server as s
class H(s.BaseHTTPRequestHandler):
    timeout = 0.1
    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')
    def log_message(self, *args):
        pass
s.test(HandlerClass=H, port=0, bind='127.0.0.1')
)";

// A python HTTP server as a child process; its port from the line it prints when it listens.
class ServiceProcess {
 public:
  explicit ServiceProcess(std::vector<std::string> argv, const test::TempDir& logs)
      : process_(std::make_unique<test::ChildProcess>(std::move(argv),
                                                      std::map<std::string, std::string>{},
                                                      (logs / "service.err").string())) {
    const std::string line = process_->WaitForLine("Serving HTTP on ", 10000);
    const size_t at = line.find(" port ");
    if (at != std::string::npos) port_ = std::stoi(line.substr(at + 6));
  }
  int port() const { return port_; }
  test::ChildProcess& process() { return *process_; }

 private:
  std::unique_ptr<test::ChildProcess> process_;
  int port_ = 0;
};

// `python3 -m http.server` serving `dir` (which holds `health`) on `port` (0: any).
std::unique_ptr<ServiceProcess> StartFileServer(const test::TempDir& dir, int port) {
  return std::make_unique<ServiceProcess>(
      std::vector<std::string>{kPython, "-u", "-m", "http.server", "--bind", "127.0.0.1",
                               "--directory", dir.path().string(), std::to_string(port)},
      dir);
}

class ConnectionWatchTest : public ::testing::Test {
 protected:
  ConnectionWatchTest() : events_({}, clock_) { std::ofstream(dir_ / "health") << "ok\n"; }

  // Polls once a minute: every state change within a test is the watch's or a requested probe.
  void StartPoller(int port) {
    PollerOptions options;
    options.interval = seconds(60);
    options.timeout = seconds(2);
    poller_ = std::make_unique<Poller>(options, MakeCurlHttpClient, events_, clock_);
    poller_->SetTargets({test::LoopbackHealth("parakeet", port)});
  }

  ServiceState Parakeet() const { return poller_->Current()->services.at("parakeet"); }
  ConnectionWatch::Counts Watch() const { return poller_->WatchCounts()["parakeet"]; }
  std::vector<ConnectivityEvent> Logged() const {
    EventQuery query;
    query.since = 0;
    return events_.Find(query);
  }

  test::TempDir dir_;
  SystemClock clock_;
  EventLog events_;
  std::unique_ptr<Poller> poller_;
};

TEST_F(ConnectionWatchTest, AKilledServiceIsDownBeforeTheNextPollAndUpWhenItIsBack) {
  auto service = StartFileServer(dir_, 0);
  ASSERT_GT(service->port(), 0);
  StartPoller(service->port());
  ASSERT_TRUE(test::Eventually([&] { return Parakeet().up == true && Watch().connects > 0; }));
  ASSERT_EQ(Parakeet().history.size(), 1u);

  service->process().Stop(SIGKILL, 5000);
  ASSERT_TRUE(test::Eventually([&] { return Parakeet().up == false; }));
  EXPECT_EQ(Parakeet().reason, FailureReason::kRefused);
  EXPECT_EQ(Parakeet().history.size(), 1u);  // no probe ran: the watch saw it
  ASSERT_TRUE(test::Eventually([&] { return Watch().refusals >= 3; }));  // retried, refused
  auto logged = Logged();
  ASSERT_EQ(logged.size(), 2u);  // up at start, then down once however often it was refused
  EXPECT_FALSE(logged[1].ok);
  EXPECT_EQ(logged[1].source, "watch");

  const int port = service->port();
  service = StartFileServer(dir_, port);
  ASSERT_EQ(service->port(), port);
  ASSERT_TRUE(test::Eventually([&] { return Parakeet().up == true; }));
  EXPECT_EQ(Parakeet().history.size(), 2u);  // the probe the reconnect asked for
  logged = Logged();
  ASSERT_EQ(logged.size(), 3u);
  EXPECT_TRUE(logged[2].ok);
  EXPECT_EQ(logged[2].source, "poller");
}

TEST_F(ConnectionWatchTest, AServerDroppingIdleConnectionsIsNotTakenForDead) {
  ServiceProcess service({kPython, "-u", "-c", kIdleClosingServer}, dir_);
  ASSERT_GT(service.port(), 0);
  StartPoller(service.port());
  ASSERT_TRUE(test::Eventually([&] { return Parakeet().up == true; }));
  // About two seconds of connections the server closed after 100 ms, each one re-made.
  ASSERT_TRUE(test::Eventually([&] { return Watch().closes >= 20; }));
  EXPECT_EQ(Watch().refusals, 0u);
  EXPECT_EQ(Parakeet().up, true);
  EXPECT_EQ(Logged().size(), 1u);  // the first "up" only
}

}  // namespace
}  // namespace spark
