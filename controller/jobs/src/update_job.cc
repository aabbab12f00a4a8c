// The update jobs (SPARK-VLLM-DOCKER.md "build-and-copy.sh and updates"): an apply keeps every
// Spark's launch image as vllm-node:previous, then pulls and builds detached on the head, its
// phases read from the tool's own lines; a rollback retags the previous image on every Spark
// and relaunches the model inside the same job. The running container is never touched by an
// apply: the new image is used at the next launch.
#include <array>

#include "controller/update_commands.h"
#include "controller/update_report.h"
#include "detached_job.h"

namespace spark {
namespace {

using nlohmann::json;

constexpr std::string_view kPhaseLine = "spark-control-phase ";
// The apply's phases, in the order they come.
constexpr std::array<std::string_view, 3> kApplyPhases = {"pulling", "building", "copying"};

// `tag`'s image in the image lines `out` printed on `spark`.
Result<std::optional<ImageRef>> ImageIn(const CollectedOutput& out, const std::string& spark,
                                        const std::string& tag) {
  const auto report = ParseImageReport(out.StdoutText());
  if (!report.ok()) {
    return Status::Error(ErrorCode::kRemoteCommandFailed,
                         "cannot read the images on " + spark + ": " + report.status().message());
  }
  return ImageTagged(*report, tag);
}

// The image `tag` names on `spark` now (nullopt when absent).
Result<std::optional<ImageRef>> InspectImageOn(Controller::Context& ctx,
                                               const UpdateCommands& commands,
                                               const std::string& spark, const std::string& tag) {
  const auto out = ctx.Collect(spark, commands.Images(), true);
  if (!out.outcome.status.ok()) return ctx.Failure(out.outcome, "docker image inspect on " + spark);
  return ImageIn(out, spark, tag);
}

// `docker tag FROM TO` on `spark`; the image TO names afterwards.
Result<std::optional<ImageRef>> TagImageOn(Controller::Context& ctx, const UpdateCommands& commands,
                                           const std::string& spark, const std::string& from,
                                           const std::string& to) {
  const auto command = commands.Tag(from, to);
  if (!command.ok()) return command.status();
  const auto out = ctx.Collect(spark, *command, true);
  if (!out.outcome.status.ok()) {
    return ctx.Failure(out.outcome, "docker tag " + from + " " + to + " on " + spark);
  }
  return ImageIn(out, spark, to);
}

std::string ShortImageId(const std::optional<ImageRef>& image) {
  if (!image) return "?";
  const std::string& id = image->id;
  const size_t colon = id.find(':');
  return id.substr(colon == std::string::npos ? 0 : colon + 1, 12);
}

// An apply's first step: every Spark's vllm-node kept as vllm-node:previous (a Spark without
// one is skipped); the ids go into the request (journaled).
Status KeepPreviousImages(Controller::Context& ctx, const UpdatePlan& plan,
                          const UpdateCommands& commands) {
  json previous = json::object();
  for (const std::string& spark : plan.sparks) {
    const auto current = InspectImageOn(ctx, commands, spark, kLaunchImage);
    if (!current.ok()) return current.status();
    if (!*current) {
      ctx.System(spark + " has no " + kLaunchImage + " image: nothing to keep there");
      previous[spark] = nullptr;
      continue;
    }
    const auto kept = TagImageOn(ctx, commands, spark, kLaunchImage, kPreviousImage);
    if (!kept.ok()) return kept.status();
    previous[spark] = *kept ? json((*kept)->id) : json(nullptr);
    ctx.System(spark + ": kept " + kLaunchImage + " (" + ShortImageId(*kept) + ") as " +
               kPreviousImage);
  }
  json request = ctx.request();
  request["previous"] = std::move(previous);
  ctx.SetRequest(std::move(request));
  return Status::Ok();
}

// The apply phase a line of the detached script announces; "" for none.
std::string_view ApplyPhaseOf(std::string_view line) {
  if (line.starts_with(kPhaseLine)) {
    const std::string_view name = line.substr(kPhaseLine.size());
    return name == "pulling" || name == "building" ? name : std::string_view();
  }
  if (line.starts_with("Copying image") || line.starts_with("Loading image into")) {
    return "copying";
  }
  return {};
}

size_t ApplyPhaseRank(std::string_view phase) {
  for (size_t i = 0; i < kApplyPhases.size(); ++i) {
    if (kApplyPhases[i] == phase) return i;
  }
  return 0;
}

}  // namespace

Status RunUpdateApply(Controller::Context& ctx, const UpdatePlan& plan) {
  const UpdateCommands commands(ctx.config().remote.vllm_docker_dir);
  if (!ctx.remote()) {
    ctx.System("updating spark-vllm-docker on " + plan.head +
               "; the running model keeps its image until its next launch");
    if (Status s = KeepPreviousImages(ctx, plan, commands); !s.ok()) return s;
    if (Status s = StartDetached(ctx, plan.head, plan.script); !s.ok()) return s;
  } else {
    ctx.System("following the update again on " + ctx.remote()->spark);
  }
  // A followed-again job reads its log from the start: phases only move forward.
  std::string phase = "pulling";
  bool done_line = false;
  std::string last_line;
  DetachedFollow follow;
  follow.poll_every = ctx.deps().detached_poll_interval;
  follow.link_grace = ctx.deps().detached_link_grace;
  follow.on_line = [&](std::string_view line) {
    const std::string_view next = ApplyPhaseOf(line);
    if (!next.empty() && ApplyPhaseRank(next) > ApplyPhaseRank(phase)) {
      phase = std::string(next);
      ctx.Phase(phase);
    }
    done_line |= line == "Done preparing vllm-node." || line == "Done building vllm-node.";
    if (!line.empty() && !line.starts_with(kPhaseLine)) last_line = std::string(line);
  };
  const auto ended = FollowDetached(ctx, follow);
  if (!ended.ok()) return ended.status();
  if (*ended != 0) {
    if (phase == "pulling") {
      return Status::Error(
          ErrorCode::kRemoteCommandFailed,
          "git pull --ff-only failed: " +
              (last_line.empty() ? "exit status " + std::to_string(*ended) : last_line));
    }
    return Status::Error(ErrorCode::kRemoteCommandFailed,
                         "build-and-copy.sh exited " + std::to_string(*ended));
  }
  const json request = ctx.request();
  ctx.SetResult({{"previous", request.value("previous", json::object())}, {"log_done", done_line}});
  ctx.System(std::string("updated") +
             (done_line ? "" : " (build-and-copy.sh printed no Done line)") +
             "; the new image is used at the next launch");
  return Status::Ok();
}

Status RunRollback(Controller::Context& ctx, const RollbackPlan& plan) {
  const UpdateCommands commands(ctx.config().remote.vllm_docker_dir);
  // Every Spark is looked at before any is retagged; one without a previous image keeps its own.
  std::vector<std::string> retag;
  for (const std::string& spark : plan.sparks) {
    const auto previous = InspectImageOn(ctx, commands, spark, kPreviousImage);
    if (!previous.ok()) return previous.status();
    if (*previous) {
      retag.push_back(spark);
    } else {
      ctx.System(spark + " has no " + kPreviousImage + ": its " + kLaunchImage + " stays");
    }
  }
  if (retag.empty()) {
    return Status::Error(
        ErrorCode::kNoPreviousImage,
        std::string("no Spark holds ") + kPreviousImage + ": there is nothing to roll back to");
  }
  for (const std::string& spark : retag) {
    const auto now = TagImageOn(ctx, commands, spark, kPreviousImage, kLaunchImage);
    if (!now.ok()) return now.status();
    ctx.System(spark + ": " + kLaunchImage + " is " + kPreviousImage + " again (" +
               ShortImageId(*now) + ")");
  }
  if (!plan.relaunch) {
    ctx.System("no model to relaunch: the previous image is used at the next launch");
    return Status::Ok();
  }
  ctx.Phase("relaunching");
  return RunSwap(ctx, *plan.relaunch);
}

}  // namespace spark
