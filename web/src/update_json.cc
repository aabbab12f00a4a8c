#include "web/update_json.h"

#include "controller/update_report.h"
#include "exporter/time_format.h"

namespace spark {
namespace {

using nlohmann::json;

using ImageMap = std::map<std::string, std::optional<ImageRef>>;

json OptionalText(const std::optional<std::string>& text) { return text ? json(*text) : json(); }

std::optional<ImageRef> ImageOn(const ImageMap& images, const std::string& spark) {
  const auto it = images.find(spark);
  return it == images.end() ? std::nullopt : it->second;
}

// Every configured Spark → its image id, null when absent or unknown.
json ImageIds(const ImageMap& images, const Config& config) {
  json sparks = json::object();
  for (const std::string& spark : ConfiguredSparks(config)) {
    const auto image = ImageOn(images, spark);
    sparks[spark] = image ? json(image->id) : json();
  }
  return sparks;
}

json BuiltAt(const ImageRef& image) {
  const auto created = ParseDockerTime(image.created);
  return created ? json(FormatRfc3339(*created)) : json();
}

json LaunchImage(const UpdateStatus& status, const Config& config) {
  const auto head = ImageOn(status.images, config.vllm.spark);
  if (!head) return nullptr;
  bool mismatch = false;
  for (const std::string& spark : ConfiguredSparks(config)) {
    const auto image = ImageOn(status.images, spark);
    mismatch |= !image || image->id != head->id;
  }
  return {{"id", head->id},
          {"built_at", BuiltAt(*head)},
          {"vllm_version", OptionalText(status.vllm_version)},
          {"sparks", ImageIds(status.images, config)},
          {"mismatch", mismatch}};
}

// The previous image a rollback would bring back (the head's, else the first Spark's that has
// one); nullopt when no Spark has one or every Spark that has one launches that very image.
std::optional<ImageRef> RollbackImage(const UpdateStatus& status, const Config& config) {
  std::optional<ImageRef> found;
  bool changes_something = false;
  for (const std::string& spark : ConfiguredSparks(config)) {
    const auto previous = ImageOn(status.previous, spark);
    if (!previous) continue;
    if (!found || spark == config.vllm.spark) found = previous;
    const auto current = ImageOn(status.images, spark);
    changes_something |= !current || current->id != previous->id;
  }
  if (!changes_something) return std::nullopt;
  return found;
}

json PreviousImage(const UpdateStatus& status, const Config& config) {
  const auto previous = RollbackImage(status, config);
  if (!previous) return nullptr;
  return {{"id", previous->id},
          {"built_at", BuiltAt(*previous)},
          {"sparks", ImageIds(status.previous, config)}};
}

json Commits(const CheckoutReport& checkout) {
  json commits = json::array();
  for (const UpstreamCommit& commit : checkout.commits) {
    commits.push_back({{"sha", commit.sha}, {"subject", commit.subject}, {"date", commit.date}});
  }
  return commits;
}

json Hint(const std::optional<RollbackHint>& hint) {
  if (!hint) return nullptr;
  return {{"job", hint->job},
          {"update_job", hint->update_job},
          {"updated_at", FormatRfc3339(hint->updated_at)},
          {"text", hint->text}};
}

}  // namespace

json UpdateJson(const UpdateStatus& status, const Config& config,
                const std::optional<RollbackHint>& hint) {
  const CheckoutReport none;
  const CheckoutReport& checkout = status.checkout ? *status.checkout : none;
  return {{"state", status.state},
          {"behind", checkout.behind ? json(*checkout.behind) : json()},
          {"ahead", checkout.ahead ? json(*checkout.ahead) : json()},
          {"branch", OptionalText(checkout.branch)},
          {"local", OptionalText(checkout.local)},
          {"upstream", OptionalText(checkout.upstream)},
          {"checked_at", status.checked_at ? json(FormatRfc3339(*status.checked_at)) : json()},
          {"error", status.error.empty() ? json() : json(status.error)},
          {"commits", Commits(checkout)},
          {"image", LaunchImage(status, config)},
          {"previous_image", PreviousImage(status, config)},
          {"rollback_hint", Hint(hint)}};
}

Status PreviousImageStatus(const UpdateStatus& status, const Config& config) {
  if (RollbackImage(status, config)) return Status::Ok();
  for (const auto& [spark, previous] : status.previous) {
    if (previous) {
      return Status::Error(ErrorCode::kNoPreviousImage,
                           "vllm-node:previous is the image the Sparks launch now: a rollback "
                           "would change nothing");
    }
  }
  return Status::Error(ErrorCode::kNoPreviousImage,
                       "no previous image to roll back to: an update keeps the image it "
                       "replaces as vllm-node:previous");
}

}  // namespace spark
