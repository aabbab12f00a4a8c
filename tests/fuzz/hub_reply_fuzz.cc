// The hub command's output (ParseHubReply) as the executor delivers it, with curl's exit
// code 0 and unknown. A read model has a 40-hex commit and no more files than the body has
// bytes; the same body sent as one line reads the same; an error is one of the three codes
// the design names, with a sentence.
#include "controller/hub_reply.h"
#include "fuzz_lines.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {
namespace {

void CheckHubReply(const std::vector<std::string>& lines, std::optional<int> exit_code) {
  const auto model = ParseHubReply(lines, exit_code, "acme/model", "main");
  if (!model.ok()) {
    const auto code = model.status().code();
    Require(code == ErrorCode::kAuthRequired || code == ErrorCode::kNotFound ||
                code == ErrorCode::kRemoteCommandFailed,
            "a Hub refusal is auth_required, not_found or remote_command_failed");
    Require(!model.status().message().empty(), "an error has a sentence");
    return;
  }
  Require(model->sha.size() == 40, "a commit is 40 hex digits");
  for (char c : model->sha) {
    Require((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'), "a commit is 40 hex digits");
  }
  size_t http = lines.size();
  while (http > 0 && !lines[http - 1].starts_with("spark-control-http ")) --http;
  Require(http > 0, "a model comes with an HTTP status");
  std::string body;
  for (size_t i = 0; i + 1 < http; ++i) body += lines[i];
  Require(model->files <= body.size(), "each file takes bytes of the body");
  std::vector<std::string> joined = {body};
  joined.insert(joined.end(), lines.begin() + static_cast<long>(http) - 1, lines.end());
  const auto again = ParseHubReply(joined, exit_code, "acme/model", "main");
  Require(again.ok() && again->sha == model->sha && again->total_bytes == model->total_bytes &&
              again->files == model->files,
          "the body read in pieces reads as in one line");
}

}  // namespace

void FuzzHubReply(std::string_view input) {
  const std::vector<std::string> lines = ExecutorLines(input);
  CheckHubReply(lines, 0);
  CheckHubReply(lines, std::nullopt);
}

}  // namespace spark::fuzz
