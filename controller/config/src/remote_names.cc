#include "controller/remote_names.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace spark {
namespace {

Status InvalidDir(std::string message) {
  return Status::Error(ErrorCode::kInvalidField, std::move(message), "dir");
}

// The non-empty components of a path, after a leading "~/" ("~/a//b/" → a, b).
std::vector<std::string_view> PathComponents(std::string_view path) {
  if (path.starts_with("~/")) path.remove_prefix(2);
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const size_t slash = std::min(path.find('/'), path.size());
    if (slash > 0) parts.push_back(path.substr(0, slash));
    path.remove_prefix(std::min(slash + 1, path.size()));
  }
  return parts;
}

// Top-level directories of a Linux system that `chown -R` must never take whole.
constexpr std::array<std::string_view, 22> kSystemDirs = {
    "bin", "boot", "dev",  "etc", "home", "lib",  "lib32", "lib64", "libx32", "media", "mnt",
    "opt", "proc", "root", "run", "sbin", "snap", "srv",   "sys",   "tmp",    "usr",   "var"};

// One part of a repo id: [A-Za-z0-9_] at both ends, [A-Za-z0-9_.-] between, 1..max bytes.
// Hand-written, not std::regex: libstdc++'s matcher recurses once per character and
// overflows the small stacks of CivetWeb's threads on long input.
bool RepoPart(std::string_view part, size_t max) {
  auto edge = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  auto inner = [&](char c) { return edge(c) || c == '.' || c == '-'; };
  return !part.empty() && part.size() <= max && edge(part.front()) && edge(part.back()) &&
         std::all_of(part.begin(), part.end(), inner);
}

// Letters, digits and the bytes of `extra`.
bool AllOf(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

// Ok when `allowed`, else invalid_field naming `rule`.
Status AllowedOr(bool allowed, const char* rule, const char* field) {
  if (allowed) return Status::Ok();
  return Status::Error(ErrorCode::kInvalidField, rule, field);
}

}  // namespace

bool HasControlChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Status ValidateHfRepo(std::string_view repo) {
  auto invalid = [&](const std::string& why) {
    return Status::Error(ErrorCode::kInvalidField,
                         "\"" + std::string(repo) + "\" is not a Hugging Face repo id: " + why,
                         "hf_repo");
  };
  if (repo.size() > 256) return invalid("too long");
  const size_t slash = repo.find('/');
  const bool shaped = slash == std::string_view::npos ? RepoPart(repo, 96)
                                                      : RepoPart(repo.substr(0, slash), 256) &&
                                                            RepoPart(repo.substr(slash + 1), 96);
  if (!shaped) return invalid("expected ORG/NAME made of letters, digits, '_', '.', '-'");
  if (repo.find("--") != std::string_view::npos) return invalid("\"--\" is not allowed");
  if (repo.find("..") != std::string_view::npos) return invalid("\"..\" is not allowed");
  if (repo.ends_with(".git")) return invalid("it must not end in \".git\"");
  return Status::Ok();
}

Status ValidateRevision(std::string_view revision) {
  const bool shaped = !revision.empty() && revision.size() <= 128 && revision.front() != '-' &&
                      revision.front() != '/' && revision.find("..") == std::string_view::npos &&
                      std::all_of(revision.begin(), revision.end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                               c == '_' || c == '/' || c == '-';
                      });
  if (shaped) return Status::Ok();
  return Status::Error(ErrorCode::kInvalidField,
                       "a revision is a branch, tag or commit: 1–128 letters, digits, '.', '_', "
                       "'/' or '-', not starting with '-' or '/', without \"..\"",
                       "revision");
}

Status ValidateHubEndpoint(std::string_view url) {
  const bool scheme = url.starts_with("https://") || url.starts_with("http://");
  const bool clean = std::none_of(url.begin(), url.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '"' || c == '\'' || c == '\\' || c == '`';
  });
  if (scheme && clean && url.size() <= 2048 && url.find("://", 4) + 3 < url.size()) {
    return Status::Ok();
  }
  return Status::Error(ErrorCode::kInvalidField,
                       "the Hub endpoint must be an http:// or https:// URL without spaces, "
                       "quotes or backslashes, at most 2048 bytes",
                       "hf_endpoint");
}

Status ValidateContainerName(std::string_view name) {
  const bool ok =
      !name.empty() && name.size() <= 128 && std::isalnum(static_cast<unsigned char>(name[0])) &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
      });
  if (ok) return Status::Ok();
  return Status::Error(ErrorCode::kInvalidField,
                       "\"" + std::string(name) +
                           "\" is not a container name: up to 128 letters, digits, '_', '.' or "
                           "'-', starting with a letter or digit",
                       "container");
}

Status ValidateRemoteDir(std::string_view dir) {
  if (HasControlChar(dir)) return InvalidDir("a remote directory must not hold control characters");
  if (dir.size() > 4096) return InvalidDir("a remote directory may be at most 4096 bytes long");
  const std::string quoted = "\"" + std::string(dir) + "\"";
  if (!dir.starts_with('/') && !dir.starts_with("~/")) {
    return InvalidDir(quoted + " is not absolute and does not start with ~/");
  }
  for (std::string_view part : PathComponents(dir)) {
    if (part == "." || part == "..")
      return InvalidDir(quoted + " holds a \".\" or \"..\" component");
  }
  return Status::Ok();
}

Status ValidateChownDir(std::string_view dir) {
  if (Status s = ValidateRemoteDir(dir); !s.ok()) return s;
  const auto parts = PathComponents(dir);
  const bool absolute = dir.starts_with('/');
  const bool system_dir =
      absolute && parts.size() == 1 &&
      std::find(kSystemDirs.begin(), kSystemDirs.end(), parts[0]) != kSystemDirs.end();
  const bool a_home = absolute && parts.size() == 2 && parts[0] == "home";
  if (parts.empty() || system_dir || a_home) {
    return InvalidDir("\"" + std::string(dir) +
                      "\" is a system directory or a whole home; chown -R is refused there");
  }
  return Status::Ok();
}

Status ValidateHostName(std::string_view host) {
  return AllowedOr(
      !host.empty() && host.size() <= 253 && host.front() != '-' && AllOf(host, "._:-"),
      "a host is 1–253 letters, digits, '.', '_', ':' or '-', not starting with '-'", "host");
}

Status ValidateUserName(std::string_view user) {
  const bool ok = !user.empty() && user.size() <= 32 && user.front() != '.' &&
                  user.front() != '-' && AllOf(user, "_.-");
  return AllowedOr(ok,
                   "a user name is 1–32 letters, digits, '_', '.' or '-', starting with a "
                   "letter, a digit or '_'",
                   "user");
}

}  // namespace spark
