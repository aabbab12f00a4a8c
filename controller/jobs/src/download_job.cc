// Model downloads (SPARK-VLLM-DOCKER.md "Model downloads"): ask the Hub for the size and
// access first and check the disk (refused before any byte), then download detached on the
// head (hf download, else hf-download.sh), in cluster mode copy to the other Spark with rsync,
// and measure progress on disk all along. Also the cache delete.
#include <algorithm>
#include <deque>

#include "controller/cache_listing.h"
#include "controller/catalog_model.h"
#include "controller/download_meter.h"
#include "controller/hub_reply.h"
#include "detached_job.h"

namespace spark {
namespace {

using nlohmann::json;

constexpr std::string_view kCopyMarker = "spark-control-phase copying";
constexpr size_t kTailLines = 50;
// A model bigger than this share of one Spark's memory needs both Sparks to serve.
constexpr double kClusterShare = 0.8;

std::string Bytes(uint64_t n) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(n);
  size_t u = 0;
  while (v >= 1000 && u + 1 < std::size(units)) {
    v /= 1000;
    ++u;
  }
  char text[32];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return text;
}

// The free and present bytes of the repo on `spark`.
Result<CacheSpace> SpaceOn(Controller::Context& ctx, const HfCommands& hf, const std::string& spark,
                           const std::string& repo) {
  const auto command = hf.Space(repo);
  if (!command.ok()) return command.status();
  const auto out = ctx.Collect(spark, *command, false);
  if (!out.outcome.status.ok()) return ctx.Failure(out.outcome, "checking the disk of " + spark);
  return ParseCacheSpace(out.stdout_lines);
}

// Refuses a download that cannot fit: what is still to come of this repo plus what running
// downloads still bring, against the free bytes.
Status CheckFits(const std::string& spark, const CacheSpace& space, uint64_t total,
                 uint64_t elsewhere) {
  if (!space.free_bytes) return Status::Ok();
  const uint64_t have = std::min(total, space.have_bytes.value_or(0));
  const uint64_t need = total - have + elsewhere;
  if (need <= *space.free_bytes) return Status::Ok();
  std::string message = spark + " has " + Bytes(*space.free_bytes) + " (" +
                        std::to_string(*space.free_bytes) + " bytes) free in the HF cache but " +
                        "the download needs " + Bytes(need) + " (" + std::to_string(need) +
                        " bytes)";
  if (elsewhere > 0)
    message += ", counting " + Bytes(elsewhere) + " still to come of running downloads";
  return Status::Error(ErrorCode::kDiskFull, message + ": free space or delete cached models");
}

// The Hub's answer and the disk checks, before any byte; what was learnt goes to the request.
Status Preflight(Controller::Context& ctx, const DownloadPlan& plan, const HfCommands& hf) {
  const std::string revision = plan.revision.value_or("main");
  ctx.System("asking the Hub about " + plan.repo + " (" + revision + ") from " + plan.head);
  const auto query = hf.HubQuery(plan.repo, revision);
  if (!query.ok()) return query.status();
  const auto reply = ctx.Collect(plan.head, *query, false);
  const Status& reached = reply.outcome.status;
  if (!reached.ok() && reached.code() != ErrorCode::kRemoteCommandFailed) {
    return ctx.Failure(reply.outcome, "asking the Hub from " + plan.head);
  }
  const auto hub = ParseHubReply(reply.stdout_lines, reply.outcome.exit_code, plan.repo, revision);
  if (!hub.ok()) return hub.status();
  const auto coming = ctx.BytesComingElsewhere();
  auto coming_to = [&](const std::string& spark) {
    const auto it = coming.find(spark);
    return it == coming.end() ? uint64_t{0} : it->second;
  };
  const auto head = SpaceOn(ctx, hf, plan.head, plan.repo);
  if (!head.ok()) return head.status();
  if (hub->total_bytes) {
    if (Status s = CheckFits(plan.head, *head, *hub->total_bytes, coming_to(plan.head)); !s.ok()) {
      return s;
    }
    if (plan.copy) {
      const auto other = SpaceOn(ctx, hf, plan.copy->spark, plan.repo);
      if (!other.ok()) return other.status();
      const uint64_t elsewhere = coming_to(plan.copy->spark);
      if (Status s = CheckFits(plan.copy->spark, *other, *hub->total_bytes, elsewhere); !s.ok()) {
        return s;
      }
    }
  }
  json request = ctx.request();
  request["sha"] = hub->sha;
  request["size_bytes"] = hub->total_bytes ? json(*hub->total_bytes) : json(nullptr);
  request["memory_bytes"] = head->mem_total ? json(*head->mem_total) : json(nullptr);
  ctx.SetRequest(std::move(request));
  ctx.System("the Hub lists " + std::to_string(hub->files) + " files" +
             (hub->total_bytes ? ", " + Bytes(*hub->total_bytes) : std::string()) + " at " +
             hub->sha + "; " + Bytes(head->free_bytes.value_or(0)) + " free on " + plan.head);
  return Status::Ok();
}

// A failed downloader, told by its last lines.
Status DownloaderFailed(int status, const std::deque<std::string>& tail) {
  auto seen = [&](std::initializer_list<std::string_view> needles) {
    return std::any_of(tail.begin(), tail.end(), [&](const std::string& line) {
      return std::any_of(needles.begin(), needles.end(),
                         [&](std::string_view n) { return line.find(n) != std::string::npos; });
    });
  };
  const std::string last = tail.empty() ? "" : ": " + tail.back();
  if (seen({"No space left on device", "Errno 28"})) {
    return Status::Error(ErrorCode::kDiskFull,
                         "the disk filled up during the download (No space left on device): "
                         "free space or delete cached models, then download again to resume");
  }
  // The 0.x CLI's exception names and the 1.x CLI's own sentences ("Error: Access denied. …").
  if (seen({"GatedRepoError", "401 Client Error", "403 Client Error", "gated repo",
            "This repository requires approval"})) {
    return Status::Error(ErrorCode::kAuthRequired,
                         "the Hub refused the download: accept the licence on Hugging Face and "
                         "set HF_TOKEN for the Spark user (or put it in $HF_HOME/token)");
  }
  if (seen({"RepositoryNotFoundError", "RevisionNotFoundError", "404 Client Error",
            "Repository not found.", "Revision not found."})) {
    return Status::Error(ErrorCode::kNotFound, "the Hub has no such repo or revision" + last);
  }
  return Status::Error(ErrorCode::kRemoteCommandFailed,
                       "the download ended with exit status " + std::to_string(status) + last);
}

// The commit the Hub named (Preflight wrote it); "" when the request holds none.
std::string ShaOf(const json& request) {
  const auto sha = request.value("sha", json());
  return sha.is_string() ? sha.get<std::string>() : std::string();
}

json CatalogEntryJson(const DownloadPlan& plan, const json& request) {
  const auto size = request.value("size_bytes", json());
  const auto memory = request.value("memory_bytes", json());
  bool cluster = plan.cluster;
  if (size.is_number_unsigned() && memory.is_number_unsigned() && memory.get<uint64_t>() > 0) {
    cluster = cluster || static_cast<double>(size.get<uint64_t>()) >
                             kClusterShare * static_cast<double>(memory.get<uint64_t>());
  }
  const size_t slash = plan.repo.find('/');
  return {{"id", DeriveModelId(plan.repo)},
          {"name", slash == std::string::npos ? plan.repo : plan.repo.substr(slash + 1)},
          {"hf_repo", plan.repo},
          {"mode", cluster ? "cluster" : "solo"},
          {"args", json::array()}};
}

}  // namespace

Status RunDownload(Controller::Context& ctx, const DownloadPlan& plan) {
  const HfCommands hf(HfSettings::FromConfig(ctx.config()));
  if (!ctx.remote()) {
    if (Status s = Preflight(ctx, plan, hf); !s.ok()) return s;
    const json request = ctx.request();
    const auto body = hf.DownloadScript(plan.repo, plan.revision, ShaOf(request), plan.copy);
    if (!body.ok()) return body.status();
    if (Status s = StartDetached(ctx, plan.head, *body); !s.ok()) return s;
  } else {
    ctx.System("following the download again on " + ctx.remote()->spark);
  }
  const json request = ctx.request();
  std::optional<uint64_t> total;
  if (request.value("size_bytes", json()).is_number_unsigned()) {
    total = request["size_bytes"].get<uint64_t>();
  }
  std::string phase = "downloading";
  std::optional<DownloadMeter> meter(std::in_place, total);
  std::deque<std::string> tail;
  DetachedFollow follow;
  follow.poll_every = ctx.deps().detached_poll_interval;
  follow.link_grace = ctx.deps().detached_link_grace;
  if (auto blobs = hf.BlobsDir(plan.repo); blobs.ok()) follow.measure_dir = *blobs;
  follow.on_line = [&](std::string_view line) {
    if (line == kCopyMarker && plan.copy && phase != "copying") {
      phase = "copying";
      meter.emplace(total);
      ctx.System("downloaded on " + plan.head + "; copying to " + plan.copy->spark);
    }
    tail.emplace_back(line);
    if (tail.size() > kTailLines) tail.pop_front();
  };
  follow.on_poll = [&](const DetachedPoll& poll) {
    std::optional<uint64_t> bytes = poll.bytes;
    if (phase == "copying") {
      const auto space = SpaceOn(ctx, hf, plan.copy->spark, plan.repo);
      bytes = space.ok() ? space->have_bytes : std::nullopt;
    }
    if (bytes) meter->Observe(ctx.clock().Now(), *bytes);
    const MeterReading r = meter->Reading(ctx.clock().Now());
    ctx.Measured({phase, r.percent, r.bytes_done, r.bytes_total, r.rate_bps, r.eta_s, r.stalled,
                  r.stalled_s});
  };
  const auto ended = FollowDetached(ctx, follow);
  if (!ended.ok()) return ended.status();
  if (*ended != 0) return DownloaderFailed(*ended, tail);
  ctx.SetResult({{"catalog_entry", CatalogEntryJson(plan, request)},
                 {"revision", request.value("sha", json())},
                 {"size_bytes", total ? json(*total) : json(nullptr)}});
  ctx.System("downloaded " + plan.repo + (plan.copy ? " to both Sparks" : " to " + plan.head) +
             "; add it to the catalog to swap to it");
  return Status::Ok();
}

Status RunCacheDelete(Controller::Context& ctx, const std::string& spark, const std::string& repo) {
  const HfCommands hf(HfSettings::FromConfig(ctx.config()));
  const auto command = hf.CacheDelete(repo);
  if (!command.ok()) return command.status();
  ctx.System("deleting " + repo + " from the HF cache on " + spark);
  const RemoteOutcome outcome = ctx.Run({spark, command->line, command->timeout, {}});
  if (!outcome.status.ok()) return ctx.Failure(outcome, "deleting " + repo + " on " + spark);
  ctx.System("deleted");
  return Status::Ok();
}

}  // namespace spark
