// The process contract of API.md "Process": flags, exit codes, the listening line, SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

TEST(Startup, ServesHealthzAndStopsCleanlyOnSigterm) {
  TempDir data;
  SparkControl app({"--data-dir", data.path().string()});
  const Reply reply = Get(app.url() + "/healthz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"ok":true})");
  EXPECT_EQ(app.process().Stop(SIGTERM, 2000), 0) << app.StderrText();
}

}  // namespace
}  // namespace spark::test
