#pragma once
// Command lines for updating spark-vllm-docker (issue 15, SPARK-VLLM-DOCKER.md "build-and-copy.sh
// and updates"): the check of the checkout on the head, the inspection and tagging of the launch
// image on a Spark, and the body of the detached apply job (detached_commands.h). Every line
// starts with a `: spark-control-VERB key=value…;` marker whose values are safe words, is bounded
// by `timeout -s KILL`, and exports LC_ALL=C GIT_TERMINAL_PROMPT=0 before git. What the lines
// print is read by update_report.h. Pure, thread-safe (immutable after construction).

#include <optional>
#include <string>
#include <string_view>

#include "controller/command_builder.h"

namespace spark {

// The image launch-cluster.sh starts (our launch line passes no -t), and where Apply keeps the
// one it replaces for a rollback.
inline constexpr const char* kLaunchImage = "vllm-node";
inline constexpr const char* kPreviousImage = "vllm-node:previous";

// Spark 2 as seen from Spark 1: build-and-copy.sh's `-c HOST [-u USER]`.
struct UpdateCopy {
  std::string host;                 // must pass ValidateHostName (field host)
  std::optional<std::string> user;  // must pass ValidateUserName (field user)
};

class UpdateCommands {
 public:
  // `vllm_docker_dir` is remote.vllm_docker_dir; it is checked (ValidateRemoteDir) by the
  // methods that use it, which answer invalid_field (field dir) for a bad one.
  explicit UpdateCommands(std::string vllm_docker_dir);

  // `: spark-control-update-check;` — run on the head, in the checkout (timeout 90 s). Prints
  // `fetch ok|failed TEXT` (TEXT: git's first stderr line that is no warning, hint or advice;
  // "no directory D" or "D is not a git checkout" when there is no checkout), `branch NAME|-`,
  // `local SHA|-`, `upstream REF SHA|-`, `dirty N`, `behind N` and `ahead N` (with an upstream), up
  // to 20 `commit SHA DATE SUBJECT` lines (newest first) and `spark-control-update-check-end`. A
  // step that fails prints its `-` line; the script never stops half-way.
  Result<RemoteCommandLine> Check() const;
  // `: spark-control-image;` — on any Spark (timeout 30 s): `image TAG ID CREATED` or
  // `image TAG -` (absent, or no docker) for kLaunchImage, then for kPreviousImage.
  RemoteCommandLine Images() const;
  // `: spark-control-image-tag from=A to=B;` — `docker tag A B`, then the `image B …` line of
  // B; the exit status is docker tag's (its stderr names a missing image). Only kLaunchImage
  // and kPreviousImage are accepted, and not twice the same (invalid_field, field image).
  Result<RemoteCommandLine> Tag(std::string_view from, std::string_view to) const;
  // The detached body of an apply: `: spark-control-update-apply copy=HOST|none;`, then
  // `cd DIR || exit 3`, `echo spark-control-phase pulling`, `git pull --ff-only || exit $?`,
  // `echo spark-control-phase building`, `./build-and-copy.sh [-c HOST [-u USER]]`.
  // invalid_field (field dir, host or user) when one fails its allow-list.
  Result<std::string> ApplyScript(const std::optional<UpdateCopy>& copy) const;

 private:
  std::string vllm_docker_dir_;
};

}  // namespace spark
