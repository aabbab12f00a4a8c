// The update check's output (ParseCheckoutReport) and the image lines (ParseImageReport,
// ParseDockerTime) as the executor delivers them. A read report holds at most 20 commits, SHAs
// of 40 or 64 lowercase hex digits, dates docker's time parser reads, subjects of at most 200
// bytes of valid UTF-8 without control characters, bounded counts and one of the five states;
// a read image is "sha256:" and 64 hex digits.
#include <cstdint>
#include <string>

#include "controller/update_report.h"
#include "fuzz_lines.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {
namespace {

bool LowerHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

bool AnySha(std::string_view s) { return (s.size() == 40 || s.size() == 64) && LowerHex(s); }

// Valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) without ASCII
// control characters.
bool CleanUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    const size_t n = c < 0x80                 ? 1
                     : c >= 0xC2 && c <= 0xDF ? 2
                     : c >= 0xE0 && c <= 0xEF ? 3
                     : c >= 0xF0 && c <= 0xF4 ? 4
                                              : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : n == 4 ? 0x10000 : 0;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

void CheckReport(const CheckoutReport& report) {
  Require(report.commits.size() <= kMaxUpstreamCommits, "at most 20 commits");
  for (const UpstreamCommit& commit : report.commits) {
    Require(AnySha(commit.sha), "a commit's SHA is 40 or 64 lowercase hex digits");
    Require(ParseDockerTime(commit.date).has_value(), "a commit's date is ISO 8601");
    Require(commit.subject.size() <= kMaxSubjectBytes, "a subject is at most 200 bytes");
    Require(CleanUtf8(commit.subject), "a subject is clean UTF-8");
  }
  Require(!report.local || AnySha(*report.local), "local is a SHA");
  Require(!report.upstream || AnySha(*report.upstream), "upstream is a SHA");
  Require(report.upstream.has_value() == report.upstream_ref.has_value(),
          "an upstream has its ref");
  Require(CleanUtf8(report.fetch_error) && report.fetch_error.size() <= 500,
          "a fetch error is short clean UTF-8");
  Require(report.fetched == report.fetch_error.empty(), "a failed fetch says why");
  Require(report.dirty >= 0 && report.behind.value_or(0) >= 0 && report.ahead.value_or(0) >= 0,
          "counts are not negative");
  const std::string state = CheckoutState(report);
  Require(state == "ok" || state == "behind" || state == "dirty" || state == "detached" ||
              state == "unknown",
          "the state is one of five");
}

}  // namespace

void FuzzUpdateReport(std::string_view input) {
  std::string joined;
  for (const std::string& line : ExecutorLines(input)) {
    (void)ParseDockerTime(line);
    joined += line + "\n";
  }
  for (std::string_view out : {input, std::string_view(joined)}) {
    const auto report = ParseCheckoutReport(out);
    if (report.ok()) {
      CheckReport(*report);
    } else {
      Require(report.status().code() == ErrorCode::kInvalidField ||
                  report.status().code() == ErrorCode::kRemoteCommandFailed,
              "an unread check is invalid_field or remote_command_failed");
    }
    const auto images = ParseImageReport(out);
    if (!images.ok()) {
      Require(images.status().field() == "image", "an unread image line names field image");
      continue;
    }
    for (const auto& [tag, image] : *images) {
      Require(!tag.empty() && tag.find(' ') == std::string::npos, "a tag is one word");
      if (!image) continue;
      Require(image->id.starts_with("sha256:") && image->id.size() == 71 &&
                  LowerHex(image->id.substr(7)),
              "an image id is sha256:HEX");
      Require(!image->created.empty() && image->created.size() <= 64, "created is a short word");
    }
  }
}

}  // namespace spark::fuzz
