#include "controller/update_report.h"

#include "exporter/time_format.h"
#include "remote_words.h"

namespace spark {
namespace {

constexpr std::string_view kCheckEnd = "spark-control-update-check-end";
// No checkout is this far apart from its upstream; a larger count is garbage.
constexpr uint64_t kMaxCount = 10'000'000;
// A branch or ref name, and a fetch error, longer than this is garbage or cut.
constexpr size_t kMaxNameBytes = 255;
constexpr size_t kMaxErrorBytes = 500;

Status Garbage(std::string_view what, std::string_view field) {
  return Status::Error(ErrorCode::kInvalidField, std::string(what), std::string(field));
}

// The length of the valid UTF-8 sequence at s[at], or 0 when it is not one (overlong forms,
// surrogates and code points past U+10FFFF included).
size_t Utf8SequenceAt(std::string_view s, size_t at) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(at);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  }
  if (n == 0 || at + n > s.size() || b(at + 1) < lo || b(at + 1) > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if ((b(at + i) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// Text from the Spark as the API may show it: control characters dropped, invalid UTF-8
// bytes as U+FFFD, at most `max` bytes cut at a character boundary.
std::string CleanText(std::string_view text, size_t max) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  for (size_t at = 0; at < text.size();) {
    const size_t n = Utf8SequenceAt(text, at);
    const auto c = static_cast<unsigned char>(text[at]);
    const std::string_view piece = n == 0                  ? kReplacement
                                   : c < 0x20 || c == 0x7f ? std::string_view()
                                                           : text.substr(at, n);
    if (out.size() + piece.size() > max) break;
    out.append(piece);
    at += n == 0 ? 1 : n;
  }
  return out;
}

bool IsSha(std::string_view s) {
  if (s.size() != 40 && s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A branch or remote ref as git prints it: printable, no space, bounded.
bool IsRefName(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameBytes) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

// docker's Created as printed: a bounded word of digits, letters and ":.+-". Not parsed here: an
// image of a reproducible build says 0001-01-01, which no WallTime holds.
bool IsCreated(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    c == ':' || c == '.' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// `-` → nullopt; a bounded count → it; else garbage.
Result<std::optional<int>> OptionalCount(std::string_view word, std::string_view key) {
  if (word == "-") return std::optional<int>();
  const auto n = ParseCount(word);
  if (!n || *n > kMaxCount)
    return Garbage("the update check's " + std::string(key) + " line holds no count", "checkout");
  return std::optional<int>(static_cast<int>(*n));
}

// `commit SHA DATE SUBJECT` (after "commit ").
Result<UpstreamCommit> ReadCommit(std::string_view rest) {
  const size_t sha_end = rest.find(' ');
  const size_t date_end = sha_end == rest.npos ? rest.npos : rest.find(' ', sha_end + 1);
  if (date_end == rest.npos) return Garbage("an upstream commit line is cut short", "checkout");
  const std::string_view sha = rest.substr(0, sha_end);
  const std::string_view date = rest.substr(sha_end + 1, date_end - sha_end - 1);
  if (!IsSha(sha)) return Garbage("an upstream commit has no SHA", "checkout");
  if (date.size() > 40 || !ParseDockerTime(date)) {
    return Garbage("an upstream commit has no ISO 8601 date", "checkout");
  }
  return UpstreamCommit{std::string(sha), std::string(date),
                        CleanText(rest.substr(date_end + 1), kMaxSubjectBytes)};
}

// `fetch ok` / `fetch failed TEXT`.
Status ReadFetch(std::string_view rest, CheckoutReport& report) {
  if (rest == "ok") {
    report.fetched = true;
    report.fetch_error.clear();
    return Status::Ok();
  }
  if (rest != "failed" && !rest.starts_with("failed ")) {
    return Garbage("the update check's fetch line is neither ok nor failed", "checkout");
  }
  report.fetched = false;
  report.fetch_error = CleanText(rest.substr(std::min<size_t>(rest.size(), 7)), kMaxErrorBytes);
  if (report.fetch_error.empty()) report.fetch_error = "git fetch failed";
  return Status::Ok();
}

// `upstream REF SHA` / `upstream -`.
Status ReadUpstream(std::string_view rest, CheckoutReport& report) {
  report.upstream_ref.reset();
  report.upstream.reset();
  if (rest == "-") return Status::Ok();
  const auto words = SplitWords(rest, 3);
  if (words.size() != 2 || !IsRefName(words[0]) || !IsSha(words[1])) {
    return Garbage("the update check's upstream line is no REF SHA", "checkout");
  }
  report.upstream_ref = std::string(words[0]);
  report.upstream = std::string(words[1]);
  return Status::Ok();
}

// `branch NAME|-`, `local SHA|-`.
Status ReadNamed(std::string_view key, std::string_view rest, CheckoutReport& report) {
  const bool is_branch = key == "branch";
  std::optional<std::string>& slot = is_branch ? report.branch : report.local;
  slot.reset();
  if (rest == "-") return Status::Ok();
  if (is_branch ? !IsRefName(rest) : !IsSha(rest)) {
    return Garbage("the update check's " + std::string(key) + " line is garbage", "checkout");
  }
  slot = std::string(rest);
  return Status::Ok();
}

// `dirty N`: the count; `dirty -` (git status failed) leaves the state unknown.
Status ReadDirty(std::string_view rest, CheckoutReport& report) {
  if (rest == "-") {
    return Status::Error(ErrorCode::kRemoteCommandFailed,
                         "git status failed in the checkout: its local changes are unknown");
  }
  auto n = OptionalCount(rest, "dirty");
  if (!n.ok()) return n.status();
  report.dirty = n->value_or(0);
  return Status::Ok();
}

// One line of the check; unknown keys are ignored.
Status ReadCheckLine(std::string_view line, CheckoutReport& report) {
  const size_t space = line.find(' ');
  if (space == line.npos) return Status::Ok();
  const std::string_view key = line.substr(0, space), rest = line.substr(space + 1);
  if (key == "fetch") return ReadFetch(rest, report);
  if (key == "branch" || key == "local") return ReadNamed(key, rest, report);
  if (key == "upstream") return ReadUpstream(rest, report);
  if (key == "dirty") return ReadDirty(rest, report);
  if (key == "behind" || key == "ahead") {
    auto n = OptionalCount(rest, key);
    if (!n.ok()) return n.status();
    (key == "behind" ? report.behind : report.ahead) = *n;
  } else if (key == "commit") {
    auto commit = ReadCommit(rest);
    if (!commit.ok()) return commit.status();
    if (report.commits.size() < kMaxUpstreamCommits) report.commits.push_back(*commit);
  }
  return Status::Ok();
}

}  // namespace

Result<CheckoutReport> ParseCheckoutReport(std::string_view out) {
  CheckoutReport report;
  for (size_t at = 0; at < out.size();) {
    const std::string_view line = NextLine(out, at);
    if (line == kCheckEnd) {
      if (!report.fetched && report.fetch_error.empty()) {
        report.fetch_error = "the check did not say whether git fetch worked";
      }
      return report;
    }
    if (Status s = ReadCheckLine(line, report); !s.ok()) return s;
  }
  return Garbage("the update check's output ended early (no end line)", "checkout");
}

std::optional<ImageRef> ImageTagged(const std::map<std::string, std::optional<ImageRef>>& report,
                                    const std::string& tag) {
  const auto it = report.find(tag);
  return it == report.end() ? std::nullopt : it->second;
}

Result<std::map<std::string, std::optional<ImageRef>>> ParseImageReport(std::string_view out) {
  std::map<std::string, std::optional<ImageRef>> images;
  for (size_t at = 0; at < out.size();) {
    const std::string_view line = NextLine(out, at);
    const auto rest = AfterKey(line, "image");
    if (!rest) continue;
    const auto words = SplitWords(*rest, 4);
    const bool absent = words.size() == 2 && words[1] == "-";
    const bool present = words.size() == 3 && words[1].size() == 71 &&
                         words[1].starts_with("sha256:") && IsSha(words[1].substr(7)) &&
                         IsCreated(words[2]);
    if (words.empty() || !IsRefName(words[0]) || (!absent && !present)) {
      return Garbage("an image line is neither `image TAG ID CREATED` nor `image TAG -`", "image");
    }
    std::optional<ImageRef> image;
    if (present) image = ImageRef{std::string(words[1]), std::string(words[2])};
    images[std::string(words[0])] = std::move(image);
  }
  return images;
}

std::string CheckoutState(const CheckoutReport& report) {
  if (!report.local) return "unknown";
  if (!report.branch) return "detached";
  if (report.dirty > 0 || report.ahead.value_or(0) > 0) return "dirty";
  if (report.behind.value_or(0) > 0) return "behind";
  if (!report.upstream || !report.behind) return "unknown";
  return "ok";
}

std::optional<WallTime> ParseDockerTime(std::string_view created) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM): the zone goes, the offset is taken off.
  if (created.size() < 20 || created.size() > 64) return std::nullopt;
  size_t zone = 19;
  if (created[zone] == '.') {
    ++zone;
    while (zone < created.size() && created[zone] >= '0' && created[zone] <= '9') ++zone;
  }
  const std::string_view tz = created.substr(zone);
  std::chrono::minutes offset{0};
  if (tz != "Z") {
    const bool shaped = tz.size() == 6 && (tz[0] == '+' || tz[0] == '-') && tz[3] == ':';
    const auto h = shaped ? ParseCount(tz.substr(1, 2)) : std::nullopt;
    const auto m = shaped ? ParseCount(tz.substr(4, 2)) : std::nullopt;
    if (!h || !m || *h > 23 || *m > 59) return std::nullopt;
    offset = std::chrono::minutes(static_cast<int>(*h * 60 + *m)) * (tz[0] == '-' ? -1 : 1);
  }
  const auto local = ParseRfc3339(std::string(created.substr(0, zone)) + "Z");
  if (!local) return std::nullopt;
  return *local - offset;
}

}  // namespace spark
