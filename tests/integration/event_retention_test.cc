// events.max_bytes reaches the connectivity log of the real binary: the active file rotates
// at a fifth of it (docs/api.md, "Storage and durability").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

namespace fs = std::filesystem;

// An active log of `lines` events (ids 1…lines) as spark-control writes them; its size.
uintmax_t WriteActiveLog(const fs::path& data, int lines) {
  fs::create_directories(data);
  std::ofstream out(data / "events.jsonl");
  for (int id = 1; id <= lines; ++id) {
    out << R"({"id":)" << id << R"(,"ts":"2026-11-30T12:00:00.000Z","service":"vllm",)"
        << R"("type":"report","ok":true,"source":"retention","error":null,"ms":1.5})"
        << "\n";
  }
  out.close();
  return fs::file_size(data / "events.jsonl");
}

// Starts the binary on `data` with `config`, posts one report, stops it.
void AppendOneReport(const TempDir& dir, const fs::path& data, const std::string& config) {
  std::ofstream(dir / "c.yaml") << config;
  SparkControl app({"--config", (dir / "c.yaml").string(), "--data-dir", data.string()});
  const Reply r = SendJson("POST", app.url() + "/api/health-event",
                           R"({"service":"vllm","ok":true,"source":"retention"})");
  ASSERT_EQ(r.status, 202) << r.body;
}

TEST(EventRetention, TheActiveFileRotatesAtAFifthOfMaxBytes) {
  TempDir dir;
  const fs::path data = dir / "data";
  const uintmax_t before = WriteActiveLog(data, 2000);
  ASSERT_GT(before, (1u << 20) / 5);  // past a fifth of 1 MiB, far below 8 MiB

  AppendOneReport(dir, data, "cluster: default\n");
  EXPECT_FALSE(fs::exists(data / "events.1.jsonl")) << "the default (40 MiB) rotated";
  const uintmax_t grown = fs::file_size(data / "events.jsonl");
  EXPECT_GT(grown, before);

  AppendOneReport(dir, data, "events: {max_bytes: 1048576}\n");
  ASSERT_TRUE(fs::exists(data / "events.1.jsonl"));
  EXPECT_EQ(fs::file_size(data / "events.1.jsonl"), grown);
  std::ifstream in(data / "events.jsonl");
  const std::string active((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(active.find(R"("source":"retention")"), std::string::npos) << active;
  EXPECT_EQ(active.find(R"("id":1,)"), std::string::npos) << "the old lines moved on";
}

}  // namespace
}  // namespace spark::test
