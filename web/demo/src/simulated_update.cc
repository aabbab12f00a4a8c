// The demo's spark-vllm-docker checkout and images, and the detached update build (see
// simulated_update.h). The build's lines mimic what build-and-copy.sh and docker print.
#include "demo/simulated_update.h"

#include <cstdio>

#include "controller/update_commands.h"
#include "exporter/time_format.h"
#include "simulated_hub.h"

namespace spark {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kDemoHead = "spark1";
constexpr const char* kUpstreamRef = "origin/main";

// docker's Created: RFC 3339 with nanoseconds.
std::string DockerTime(WallTime t) {
  std::string text = FormatRfc3339(t);
  text.insert(text.size() - 1, "412337");
  return text;
}

// git's %cI of a commit made on a US west-coast clock.
std::string CommitTime(WallTime t) {
  const std::string utc = FormatRfc3339(t - hours(8));
  return utc.substr(0, 19) + "-08:00";
}

std::string ImageLine(const std::string& tag, const std::optional<SimulatedImage>& image) {
  return "image " + tag + " " + (image ? image->id + " " + image->created : std::string("-"));
}

// The detached `update-apply` body: git pull, then build-and-copy.sh (build, then a copy to the
// other Sparks when the body names a host), ~20 s in all.
class UpdateApplyPlay final : public DetachedPlay {
 public:
  UpdateApplyPlay(std::shared_ptr<SimulatedUpdates> updates, const RemoteCommand& command,
                  const MarkerStatement& body, bool behind)
      : updates_(std::move(updates)),
        image_(updates_->NextBuild()),
        old_version_(updates_->LaunchVersion()),
        head_(command.spark) {
    const std::string host = body.keys.count("copy") ? body.keys.at("copy") : "none";
    if (host != "none") {
      for (const char* spark : {kDemoHead, "spark2"}) {
        if (spark != head_) copy_to_.push_back(spark);
      }
    }
    Script(command.line, host, behind);
  }

  const std::vector<PlayedLine>& log() const override { return log_; }
  Duration length() const override { return length_; }
  void Advance(Duration at, bool) override {
    if (!pulled_ && at >= pulled_at_) {
      pulled_ = true;
      updates_->Pulled();
    }
    if (!built_ && at >= built_at_) {
      built_ = true;
      image_.created = DockerTime(updates_->Now());
      updates_->Built({head_}, image_);
    }
    if (!copied_ && at >= length_) {
      copied_ = true;
      updates_->Built(copy_to_, image_);
    }
  }

 private:
  void Line(milliseconds after, std::string text) {
    at_ += after;
    log_.push_back({at_, std::move(text)});
  }
  // Each line `ms` after the one before.
  void Lines(const std::vector<std::pair<int, std::string>>& lines) {
    for (const auto& [ms, text] : lines) Line(milliseconds(ms), text);
  }
  void Script(const std::string& line, const std::string& host, bool behind);
  void Build();

  const std::shared_ptr<SimulatedUpdates> updates_;
  SimulatedImage image_;
  const std::string old_version_;  // of the head's image before the build
  const std::string head_;
  std::vector<std::string> copy_to_;
  std::vector<PlayedLine> log_;
  Duration at_{}, pulled_at_{}, built_at_{}, length_{};
  bool pulled_ = false, built_ = false, copied_ = false;
};

// The user after `-u` in the body's build-and-copy.sh line ("" when none).
std::string CopyUser(const std::string& line) {
  const size_t tool = line.find("build-and-copy.sh");
  const size_t flag = tool == std::string::npos ? tool : line.find(" -u ", tool);
  if (flag == std::string::npos) return "";
  std::string user;
  for (size_t i = flag + 4; i < line.size() && line[i] != ' ' && line[i] != '\n'; ++i) {
    if (line[i] != '\'' && line[i] != '\\') user += line[i];
  }
  return user;
}

void UpdateApplyPlay::Script(const std::string& line, const std::string& host, bool behind) {
  Line(milliseconds(100), "spark-control-phase pulling");
  if (behind) {
    Lines({{700, "Updating 74c02c3..9f41d2e"},
           {100, "Fast-forward"},
           {50, " README.md          | 14 ++++++++------"},
           {50, " build-and-copy.sh  | 23 +++++++++++++++--------"},
           {50, " launch-cluster.sh  |  9 ++++++---"},
           {50, " 3 files changed, 29 insertions(+), 17 deletions(-)"}});
  } else {
    Line(milliseconds(700), "Already up to date.");
  }
  pulled_at_ = at_;
  Line(milliseconds(400), "spark-control-phase building");
  Build();
  built_at_ = at_;
  if (host == "none") {
    Line(milliseconds(200), "No host specified, skipping copy.");
  } else {
    const std::string user = CopyUser(line);
    Lines({{200, "Copying image 'vllm-node' to 1 host(s): " + host},
           {300, "Saving image locally to /tmp/vllm_image.k3Rq7Z..."},
           {1900, "Loading image into " + (user.empty() ? "" : user + "@") + host + "..."},
           {2300, "Loaded image: vllm-node:latest"},
           {100, "Copy to " + host + " completed in 00:00:04"},
           {100, "Copy complete."}});
  }
  const std::string rule = "=========================================";
  Lines({{300, ""},
         {0, rule},
         {0, "         TIMING STATISTICS"},
         {0, rule},
         {0, "Docker Build:  00:00:11"}});
  if (host != "none") Line(milliseconds(0), "Image Copy:    00:00:05");
  Lines({{0, "Total Time:    00:00:19"}, {0, rule}, {200, "Done preparing vllm-node."}});
  length_ = at_ + milliseconds(200);
}

// docker build's plain progress: the context, cached layers, the wheel install, the export.
void UpdateApplyPlay::Build() {
  Lines({{300,
          "Building image with command: docker build -t vllm-node -f Dockerfile.wheels "
          "--build-arg TRITON_REF=v3.6.0 --build-arg VLLM_REF=main --build-arg BUILD_JOBS=16 ."},
         {400, "#0 building with \"default\" instance using docker driver"},
         {200, "#1 [internal] load build definition from Dockerfile.wheels"},
         {100, "#1 transferring dockerfile: 4.31kB done"},
         {100, "#1 DONE 0.0s"},
         {300, "#2 [internal] load metadata for nvcr.io/nvidia/pytorch:25.11-py3"},
         {900, "#2 DONE 1.1s"},
         {200, "#3 [base 1/6] FROM nvcr.io/nvidia/pytorch:25.11-py3"},
         {100, "#3 CACHED"},
         {200, "#4 [base 2/6] RUN apt-get update && apt-get install -y git curl"},
         {100, "#4 CACHED"},
         {300,
          "#5 [wheels 3/6] RUN uv pip install --system --pre vllm --extra-index-url "
          "https://wheels.vllm.ai/nightly"},
         {1500, "#5 2.913 Resolved 171 packages in 2.84s"},
         {1700, "#5 4.802 Downloading vllm (412.7MiB)"},
         {1600, "#5 6.390 Downloaded vllm"},
         {700, "#5 7.104 Uninstalled 1 package in 211ms"},
         {300, "#5 7.428 Installed 1 package in 318ms"},
         {50, "#5 7.428  - vllm==" + old_version_},
         {50, "#5 7.428  + vllm==" + image_.version},
         {200, "#5 DONE 7.6s"},
         {300, "#6 [final 6/6] COPY run-cluster-node.sh /usr/local/bin/"},
         {200, "#6 DONE 0.1s"},
         {200, "#7 exporting to image"},
         {1300, "#7 exporting layers 1.4s done"},
         {200, "#7 writing image " + image_.id + " done"},
         {100, "#7 naming to docker.io/library/vllm-node done"},
         {100, "#7 DONE 1.6s"}});
}

}  // namespace

SimulatedUpdates::SimulatedUpdates(const Clock& clock) : clock_(clock) {
  const WallTime now = clock_.WallNow();
  const std::pair<hours, const char*> upstream[] = {
      {hours(5), "Switch the default build to the prebuilt nightly wheels"},
      {hours(26), "launch-cluster.sh: run without Ray by default on two nodes"},
      {hours(50), "Bump FlashInfer to 0.5.3 and Triton to 3.6.0"},
      {hours(75), "build-and-copy.sh: skip hosts that already hold the image id"},
  };
  for (const auto& [age, subject] : upstream) {
    commits_.push_back({HexOf(subject, 40), CommitTime(now - age), subject});
  }
  local_ = HexOf("local checkout", 40);
  upstream_ = commits_.front().sha;
  const SimulatedImage built{"sha256:" + HexOf("vllm-node 0.11.1", 64),
                             DockerTime(now - hours(24 * 7 + 3)), "0.11.1"};
  for (const char* spark : {kDemoHead, "spark2"}) images_[spark][kLaunchImage] = built;
}

std::string SimulatedUpdates::LaunchVersion() const {
  std::lock_guard lock(mu_);
  const auto spark = images_.find(kDemoHead);
  if (spark == images_.end()) return "";
  const auto it = spark->second.find(kLaunchImage);
  return it == spark->second.end() ? "" : it->second.version;
}

std::vector<std::string> SimulatedUpdates::CheckLines() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> lines = {
      "fetch ok",        "branch main",
      "local " + local_, std::string("upstream ") + kUpstreamRef + " " + upstream_,
      "dirty 0",         "behind " + std::to_string(commits_.size()),
      "ahead 0"};
  for (const auto& c : commits_)
    lines.push_back("commit " + c.sha + " " + c.date + " " + c.subject);
  lines.push_back("spark-control-update-check-end");
  return lines;
}

std::vector<std::string> SimulatedUpdates::ImageLines(const std::string& spark) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> lines;
  for (const char* tag : {kLaunchImage, kPreviousImage}) {
    std::optional<SimulatedImage> image;
    if (const auto it = images_.find(spark); it != images_.end() && it->second.count(tag)) {
      image = it->second.at(tag);
    }
    lines.push_back(ImageLine(tag, image));
  }
  return lines;
}

std::optional<std::string> SimulatedUpdates::Tag(const std::string& spark, const std::string& from,
                                                 const std::string& to) {
  std::lock_guard lock(mu_);
  auto& tags = images_[spark];
  const auto it = tags.find(from);
  if (it == tags.end()) return std::nullopt;
  tags[to] = it->second;
  return ImageLine(to, tags[to]);
}

void SimulatedUpdates::Pulled() {
  std::lock_guard lock(mu_);
  local_ = upstream_;
  commits_.clear();
}

void SimulatedUpdates::Built(const std::vector<std::string>& sparks, const SimulatedImage& image) {
  std::lock_guard lock(mu_);
  for (const auto& spark : sparks) images_[spark][kLaunchImage] = image;
}

int SimulatedUpdates::Behind() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(commits_.size());
}

SimulatedImage SimulatedUpdates::NextBuild() {
  std::lock_guard lock(mu_);
  const int build = ++builds_;
  const std::string version = "0.11.2rc1.dev" + std::to_string(200 + 17 * build) + "+g" +
                              HexOf("vllm nightly " + std::to_string(build), 9);
  return {"sha256:" + HexOf("vllm-node " + version, 64), "", version};
}

void AddUpdateRules(SimulatedExecutor& executor, std::shared_ptr<SimulatedUpdates> updates,
                    const std::shared_ptr<SimulatedDetachedJobs>& detached, Duration latency) {
  detached->AddPlay(
      "update-apply", [updates](const RemoteCommand& command, const MarkerStatement& body) {
        return std::make_unique<UpdateApplyPlay>(updates, command, body, updates->Behind() > 0);
      });
  const auto reply = [latency](std::vector<std::string> lines) {
    SimulatedScript script = SimulatedScript::Print(std::move(lines));
    if (!script.lines.empty()) script.lines.front().delay = latency;
    return script;
  };
  // Reads settle the builds first: what they changed by now is what the Sparks hold.
  executor.On(": spark-control-update-check", [updates, detached, reply](const RemoteCommand&) {
    detached->Settle();
    return reply(updates->CheckLines());
  });
  executor.On(": spark-control-image",
              [updates, detached, reply, latency](const RemoteCommand& command) {
                detached->Settle();
                const auto marker = FindMarker(command.line);
                if (!marker || marker->verb != "image-tag")
                  return reply(updates->ImageLines(command.spark));
                const auto key = [&](const char* name) {
                  const auto it = marker->keys.find(name);
                  return it == marker->keys.end() ? std::string() : it->second;
                };
                if (auto line = updates->Tag(command.spark, key("from"), key("to")))
                  return reply({*line});
                SimulatedScript failed;
                failed.lines.push_back({latency,
                                        RemoteStream::kStderr,
                                        "Error response from daemon: No such image: " + key("from"),
                                        {}});
                failed.exit_code = 1;
                return failed;
              });
}

}  // namespace spark
