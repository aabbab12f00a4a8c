// GET /api/ssh/public-key (the line to paste into authorized_keys) and
// POST /api/ssh/known-hosts/{spark} (the user confirms the fingerprint a Spark presents).
#include "web/app.h"
#include "web/json_api.h"
#include "web/request_bodies.h"

namespace spark {
namespace {

constexpr std::chrono::seconds kConfirmWait(5);

}  // namespace

void AddSshRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"GET",
                    "/api/ssh/public-key",
                    Access::kRead,
                    [&app](const Request&) {
                      auto identity = app.identity();
                      if (!identity.ok()) return StatusResponse(identity.status());
                      nlohmann::json out = {{"public_key", identity->public_key},
                                            {"fingerprint", identity->fingerprint},
                                            {"key_type", identity->key_type}};
                      if (identity->key_type == "ssh-rsa") {
                        out["warning"] =
                            "RSA keys fail against current OpenSSH with this libssh2 (no "
                            "rsa-sha2 signatures): generate an ed25519 key and point "
                            "ssh.key_path at it, or unset ssh.key_path to use spark-control's own";
                      }
                      return JsonResponse(200, out);
                    },
                    {},
                    {}});
  routes.push_back(
      {"POST",
       "/api/ssh/known-hosts/{spark}",
       Access::kMutation,
       [&app](const Request& request) {
         auto body = ParseJsonBody(request);
         if (!body.ok()) return StatusResponse(body.status());
         auto fingerprint = ParseKnownHostsRequest(*body);
         if (!fingerprint.ok()) return StatusResponse(fingerprint.status());
         auto cluster = ClusterOf(app, request);
         if (!cluster.ok()) return StatusResponse(cluster.status());
         const std::string& spark = request.params.at("spark");
         // A request thread waits at most kConfirmWait for the Spark (docs/api.md: a slow
         // or silent Spark gets 503 with Retry-After instead of holding the thread).
         const Status s = (*cluster)->executor().ConfirmHostKey(spark, *fingerprint, kConfirmWait);
         if (!s.ok()) {
           if (s.code() == ErrorCode::kNotFound) {
             return ErrorResponse(ErrorCode::kNotFound, "no Spark named \"" + spark + "\"");
           }
           if (s.code() == ErrorCode::kSshUnreachable || s.code() == ErrorCode::kCancelled) {
             // cancelled: the SSH settings changed (or the process stops) mid-confirmation.
             Response busy = ErrorResponse(ErrorCode::kSshUnreachable, s.message() + "; try again");
             busy.headers.emplace_back("Retry-After", std::to_string(kConfirmWait.count()));
             return busy;
           }
           if (s.code() != ErrorCode::kConflict && s.code() != ErrorCode::kNotConfigured) {
             return ErrorResponse(ErrorCode::kStorageFailed, s.message());
           }
           return StatusResponse(s);
         }
         // One known_hosts file serves every cluster: each checks its Sparks again.
         for (const ClusterPtr& each : app.clusters.All()) each->CheckSshNow();
         return JsonResponse(200,
                             {{"spark", spark}, {"fingerprint", *fingerprint}, {"trusted", true}});
       },
       {},
       {}});
}

}  // namespace spark
