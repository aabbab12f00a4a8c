#pragma once
// The update jobs' scripted cluster for the controller's unit tests: the Sparks' docker images
// (tagged for real by the tag command), one detached apply's build printing the real tool's
// lines a poll at a time, and a Controller fixture wired to both on the simulated cluster.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "demo/simulated_downloads.h"
#include "support/eventually.h"
#include "support/simulated_controller.h"

namespace spark::test {

using nlohmann::json;

inline const std::string kImageA = "sha256:" + std::string(64, 'a');
inline const std::string kImageB = "sha256:" + std::string(64, 'b');

// The Sparks' docker images by tag, tagged for real by the tag command.
struct FakeDockerImages {
  std::mutex mu;
  std::map<std::string, std::map<std::string, std::string>> tags;  // spark → tag → id
  std::string tag_fails_on;                                        // a Spark whose docker tag fails

  std::string Line(const std::string& spark, const std::string& tag) {
    const auto& held = tags[spark];
    const auto it = held.find(tag);
    return "image " + tag + " " + (it == held.end() ? "-" : it->second + " 2026-11-28T09:30:00Z");
  }
  SimulatedScript Images(const RemoteCommand& c) {
    std::lock_guard lock(mu);
    return SimulatedScript::Print(
        {Line(c.spark, "vllm-node"), Line(c.spark, "vllm-node:previous")});
  }
  SimulatedScript Tag(const RemoteCommand& c) {
    std::lock_guard lock(mu);
    const auto word = [&](const std::string& key) {
      const size_t at = c.line.find(key + "=");
      const size_t end = c.line.find_first_of(" ;", at);
      return c.line.substr(at + key.size() + 1, end - at - key.size() - 1);
    };
    const std::string from = word("from");
    const std::string to = word("to");
    auto& held = tags[c.spark];
    if (c.spark == tag_fails_on || !held.count(from)) {
      SimulatedScript script;
      script.lines.push_back(
          {{}, RemoteStream::kStderr, "Error response from daemon: No such image: " + from, {}});
      script.exit_code = 1;
      return script;
    }
    held[to] = held[from];
    return SimulatedScript::Print({Line(c.spark, to)});
  }
  std::string Id(const std::string& spark, const std::string& tag) {
    std::lock_guard lock(mu);
    const auto it = tags[spark].find(tag);
    return it == tags[spark].end() ? "" : it->second;
  }
};

// The remote side of one detached apply: the build's lines, one per poll, and how it ends.
struct FakeBuild {
  std::mutex mu;
  std::vector<std::string> lines = {
      "spark-control-phase pulling",         "Updating 1a2b3c4..5d6e7f8",
      "spark-control-phase building",        "Pulling eugr/spark-vllm:latest",
      "Copying image vllm-node to 10.0.0.2", "Done preparing vllm-node."};
  size_t shown = 0;
  size_t hold_at = SIZE_MAX;  // no line past this many (a long build)
  int exit_code = 0;
  std::string log;
  std::optional<int> status;

  SimulatedScript Poll(const std::string& line) {
    std::lock_guard lock(mu);
    if (!status) {
      if (shown < lines.size() && shown < hold_at) log += lines[shown++] + "\n";
      if (shown == lines.size()) status = exit_code;
    }
    const uint64_t offset = std::stoull(line.substr(line.find("offset=") + 7));
    const std::string chunk = log.substr(std::min<size_t>(offset, log.size()));
    return SimulatedScript::Print(
        PollReplyLines({!status, status, log.size(), log.size(), std::nullopt}, chunk));
  }
  void Hold(size_t at) {
    std::lock_guard lock(mu);
    hold_at = at;
  }
};

class UpdateJobFixture : public ControllerFixture<SystemClock> {
 protected:
  void SetUp() override {
    {
      std::lock_guard lock(images_.mu);
      images_.tags["spark1"]["vllm-node"] = kImageA;
      images_.tags["spark2"]["vllm-node"] = kImageA;
    }
    executor_.On("spark-control-image",
                 [this](const RemoteCommand& c) { return images_.Images(c); });
    executor_.On("spark-control-image-tag",
                 [this](const RemoteCommand& c) { return images_.Tag(c); });
    executor_.On("spark-control-detach", [this](const RemoteCommand& c) {
      std::lock_guard lock(body_mu_);
      detached_body_ = c.line;
      return SimulatedScript::Print({"spark-control-detached pid=4343"});
    });
    executor_.On("spark-control-poll",
                 [this](const RemoteCommand& c) { return build_.Poll(c.line); });
    executor_.On("spark-control-kill", [this](const RemoteCommand&) {
      killed_ = true;
      return SimulatedScript::Print({"spark-control-killed pid=4343"});
    });
    Restart();
  }

  // The phases jobs.jsonl recorded for job `id`, in order (each phase change is journaled).
  std::vector<std::string> JournaledPhases(const std::string& id) {
    std::vector<std::string> phases;
    std::ifstream in(dir_ / "jobs.jsonl");
    for (std::string line; std::getline(in, line);) {
      const json record = json::parse(line, nullptr, false);
      if (!record.is_object() || record.value("id", "") != id) continue;
      const std::string phase = record["progress"].value("phase", "");
      if (phases.empty() || phases.back() != phase) phases.push_back(phase);
    }
    return phases;
  }

  bool Logged(const std::string& id, const std::string& text) {
    const auto log = controller_->ReadLog(id, 0);  // kept: the loop reads its lines
    for (const auto& line : log->lines) {
      if (line.text == text) return true;
    }
    return false;
  }

  // The index in Commands() of the first one containing `text`, or -1.
  int CommandIndex(const std::string& text) {
    const auto commands = Commands();
    for (size_t i = 0; i < commands.size(); ++i) {
      if (commands[i].find(text) != std::string::npos) return static_cast<int>(i);
    }
    return -1;
  }

  size_t Detaches() {
    size_t n = 0;
    for (const auto& c : Commands()) n += c.find("spark-control-detach") != std::string::npos;
    return n;
  }

  // An apply held in its build; its id once its detached work runs.
  std::string StartHeldApply(size_t hold_at = 3) {
    build_.Hold(hold_at);
    auto job = controller_->ApplyUpdate();
    if (!job.ok()) return "";
    const std::string id = job->id;
    const bool held = Eventually([&] {
      return controller_->Job(id)->progress.phase == (hold_at >= 3 ? "building" : "pulling");
    });
    return held ? id : "";
  }

  std::string Body() {
    std::lock_guard lock(body_mu_);
    return detached_body_;
  }

  FakeDockerImages images_;
  FakeBuild build_;
  std::mutex body_mu_;
  std::string detached_body_;
  std::atomic<bool> killed_ = false;
};

}  // namespace spark::test
