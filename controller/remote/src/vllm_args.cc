#include "controller/vllm_args.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include "controller/remote_names.h"

namespace spark {
namespace {

enum class ValueKind { kSwitch, kInteger, kNumber, kText };

struct AllowedFlag {
  std::string_view name;
  ValueKind kind;
};

// vLLM serve flags users may add. Left out on purpose: what spark-control sets itself (--host,
// --port, --tensor-parallel-size, --pipeline-parallel-size, --served-model-name), secrets
// (--api-key, --ssl-*), and flags that load code or files from arbitrary places
// (--tool-parser-plugin, --allowed-local-media-path).
constexpr std::array kAllowedFlags = {
    AllowedFlag{"--async-scheduling", ValueKind::kSwitch},
    AllowedFlag{"--block-size", ValueKind::kInteger},
    AllowedFlag{"--chat-template", ValueKind::kText},
    AllowedFlag{"--chat-template-content-format", ValueKind::kText},
    AllowedFlag{"--compilation-config", ValueKind::kText},
    AllowedFlag{"--config-format", ValueKind::kText},
    AllowedFlag{"--cpu-offload-gb", ValueKind::kNumber},
    AllowedFlag{"--default-chat-template-kwargs", ValueKind::kText},
    AllowedFlag{"--disable-custom-all-reduce", ValueKind::kSwitch},
    AllowedFlag{"--disable-log-requests", ValueKind::kSwitch},
    AllowedFlag{"--disable-log-stats", ValueKind::kSwitch},
    AllowedFlag{"--dtype", ValueKind::kText},
    AllowedFlag{"--enable-auto-tool-choice", ValueKind::kSwitch},
    AllowedFlag{"--enable-chunked-prefill", ValueKind::kSwitch},
    AllowedFlag{"--enable-expert-parallel", ValueKind::kSwitch},
    AllowedFlag{"--enable-prefix-caching", ValueKind::kSwitch},
    AllowedFlag{"--enable-reasoning", ValueKind::kSwitch},
    AllowedFlag{"--enforce-eager", ValueKind::kSwitch},
    AllowedFlag{"--generation-config", ValueKind::kText},
    AllowedFlag{"--gpu-memory-utilization", ValueKind::kNumber},
    AllowedFlag{"--hf-overrides", ValueKind::kText},
    AllowedFlag{"--kv-cache-dtype", ValueKind::kText},
    AllowedFlag{"--limit-mm-per-prompt", ValueKind::kText},
    AllowedFlag{"--load-format", ValueKind::kText},
    AllowedFlag{"--max-cudagraph-capture-size", ValueKind::kInteger},
    AllowedFlag{"--max-logprobs", ValueKind::kInteger},
    AllowedFlag{"--max-model-len", ValueKind::kInteger},
    AllowedFlag{"--max-num-batched-tokens", ValueKind::kInteger},
    AllowedFlag{"--max-num-seqs", ValueKind::kInteger},
    AllowedFlag{"--mm-encoder-tp-mode", ValueKind::kText},
    AllowedFlag{"--mm-processor-kwargs", ValueKind::kText},
    AllowedFlag{"--no-enable-chunked-prefill", ValueKind::kSwitch},
    AllowedFlag{"--no-enable-prefix-caching", ValueKind::kSwitch},
    AllowedFlag{"--override-generation-config", ValueKind::kText},
    AllowedFlag{"--quantization", ValueKind::kText},
    AllowedFlag{"--reasoning-parser", ValueKind::kText},
    AllowedFlag{"--revision", ValueKind::kText},
    AllowedFlag{"--rope-scaling", ValueKind::kText},
    AllowedFlag{"--seed", ValueKind::kInteger},
    AllowedFlag{"--speculative-config", ValueKind::kText},
    AllowedFlag{"--swap-space", ValueKind::kNumber},
    AllowedFlag{"--tokenizer", ValueKind::kText},
    AllowedFlag{"--tokenizer-mode", ValueKind::kText},
    AllowedFlag{"--tool-call-parser", ValueKind::kText},
    AllowedFlag{"--trust-remote-code", ValueKind::kSwitch},
    AllowedFlag{"--uvicorn-log-level", ValueKind::kText},
};

const AllowedFlag* FindFlag(std::string_view name) {
  for (const auto& f : kAllowedFlags) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool IsInteger(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsNumber(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  const std::string text(s);
  // Only digits, sign, point and exponent: strtod alone would take "inf", "nan" and hex.
  if (text.find_first_not_of("0123456789+-.eE") != std::string::npos) return false;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(v);
}

Status InvalidArg(size_t index, std::string message) {
  return Status::Error(ErrorCode::kInvalidField, std::move(message),
                       "args[" + std::to_string(index) + "]");
}

}  // namespace

Result<std::vector<std::string>> TokenizeArgs(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  bool in_word = false;
  char quote = 0;
  for (char c : text) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        current += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(current));
      current.clear();
      in_word = false;
    } else {
      current += c;
      in_word = true;
    }
  }
  if (quote != 0) {
    return Status::Error(ErrorCode::kInvalidField,
                         std::string("unterminated ") + quote + " in the vLLM args", "args");
  }
  if (in_word) words.push_back(std::move(current));
  return words;
}

Result<std::vector<VllmFlag>> ParseVllmArgs(std::span<const std::string> args,
                                            VllmArgsPolicy policy) {
  std::vector<VllmFlag> flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (!word.starts_with("--")) {
      return InvalidArg(
          i, "\"" + word +
                 "\" is not a vLLM flag (flags start with \"--\"; a value follows its flag)");
    }
    std::string name = word;
    std::optional<std::string> value;
    const size_t eq = word.find('=');
    if (eq != std::string::npos) {
      name = word.substr(0, eq);
      value = word.substr(eq + 1);
    }
    const AllowedFlag* allowed = FindFlag(name);
    if (allowed == nullptr) {
      return InvalidArg(
          i, "\"" + name + "\" is not an allowed vLLM flag here" +
                 (name == "--port" || name == "--host" || name == "--tensor-parallel-size" ||
                          name == "--served-model-name"
                      ? std::string(" (spark-control sets it from the model and config)")
                      : std::string()));
    }
    if (name == "--trust-remote-code" && !policy.allow_trust_remote_code) {
      return InvalidArg(i,
                        "--trust-remote-code runs the model repository's own Python code in a "
                        "privileged container on the Spark; it is allowed only when the operator "
                        "config file (--config) sets security.allow_trust_remote_code: true");
    }
    if (allowed->kind == ValueKind::kSwitch) {
      if (value.has_value()) return InvalidArg(i, name + " takes no value");
      flags.push_back({name, std::nullopt});
      continue;
    }
    if (!value.has_value()) {
      if (i + 1 >= args.size()) return InvalidArg(i, name + " needs a value");
      value = args[++i];
    }
    const std::string& v = *value;
    switch (allowed->kind) {
      case ValueKind::kInteger:
        if (!IsInteger(v)) return InvalidArg(i, name + " needs a whole number, not \"" + v + "\"");
        break;
      case ValueKind::kNumber:
        if (!IsNumber(v)) return InvalidArg(i, name + " needs a number, not \"" + v + "\"");
        break;
      case ValueKind::kText:
        if (v.empty()) return InvalidArg(i, name + " needs a value");
        if (v[0] == '-')
          return InvalidArg(i, "the value of " + name + " must not start with '-': \"" + v + "\"");
        if (HasControlChar(v))
          return InvalidArg(i, "the value of " + name + " holds a control character");
        break;
      case ValueKind::kSwitch:
        break;
    }
    flags.push_back({name, value});
  }
  return flags;
}

std::vector<std::string> VllmArgWords(std::span<const VllmFlag> flags) {
  std::vector<std::string> words;
  for (const auto& f : flags) {
    words.push_back(f.flag);
    if (f.value) words.push_back(*f.value);
  }
  return words;
}

}  // namespace spark
