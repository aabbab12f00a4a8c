// What a user types into the "extra vLLM args" box, and every word on its way to a remote
// shell. TokenizeArgs splits it; ParseVllmArgs accepts only allowed flags, whose canonical
// words parse to the same flags again; ShellQuote makes each word one word that a POSIX
// shell reads back byte for byte, also under a second shell layer (launch-cluster.sh exec);
// quoted words tokenize back to themselves.
#include <optional>
#include <vector>

#include "controller/shell_quote.h"
#include "controller/vllm_args.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {
namespace {

bool IsBareChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
}

// Reads a command line the way a POSIX shell splits it into words, for the subset a safe
// line may use: bare characters above, '…' quotes and \-escapes, single spaces between
// words. nullopt for anything the shell would expand or treat as an operator ($, `, ;, |,
// globs, "…", a leading ~, …): a quoted line must contain none of them outside quotes.
std::optional<std::vector<std::string>> ReadShellWords(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      const size_t close = line.find('\'', i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      word.append(line.substr(i + 1, close - i - 1));
      i = close;
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 >= line.size() || line[i + 1] == '\n') return std::nullopt;
      word.push_back(line[++i]);
      in_word = true;
    } else if (IsBareChar(c)) {
      word.push_back(c);
      in_word = true;
    } else {
      return std::nullopt;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

void CheckQuoting(const std::vector<std::string>& words) {
  for (const std::string& word : words) {
    const auto read = ReadShellWords(ShellQuote(word));
    Require(read && read->size() == 1 && read->front() == word,
            "a quoted word reads back as itself");
  }
  const std::string line = ShellJoin(words);
  Require(ReadShellWords(line) == words, "a joined line reads back as its words");
  // Two layers: the line quoted again as one word (ssh, then the script's `bash -c`).
  const auto outer = ReadShellWords(ShellQuote(line));
  Require(outer && outer->size() == 1 && ReadShellWords(outer->front()) == words,
          "a line quoted for a second shell reads back as its words");
  const auto nested = ReadShellWords(NestedShell(line));
  Require(nested && nested->size() == 3 && (*nested)[2] == line, "sh -c keeps its line");
  const bool has_single_quote = std::any_of(
      words.begin(), words.end(), [](const auto& w) { return w.find('\'') != std::string::npos; });
  if (!has_single_quote) {
    const auto tokens = TokenizeArgs(line);
    Require(tokens.ok() && *tokens == words, "a joined line tokenizes back to its words");
  }
}

}  // namespace

void FuzzShellWords(std::string_view input) {
  CheckQuoting({std::string(input)});
  if (input.starts_with("~/")) {
    const std::string path = ShellQuotePath(input);
    Require(path.starts_with("~/"), "a home path keeps its bare ~/");
    const auto rest = ReadShellWords(path.substr(2));
    Require(rest && (rest->empty() ? input.size() == 2
                                   : rest->size() == 1 && rest->front() == input.substr(2)),
            "a home path reads back as itself");
  }
  const auto words = TokenizeArgs(input);
  if (!words.ok()) {
    RequireFieldError(words.status(), {"args"});
    return;
  }
  CheckQuoting(*words);
  const auto flags = ParseVllmArgs(*words);
  if (!flags.ok()) {
    Require(flags.status().field().starts_with("args["), "a refused word is named args[i]");
    return;
  }
  const std::vector<std::string> canonical = VllmArgWords(*flags);
  const auto again = ParseVllmArgs(canonical);
  Require(again.ok() && *again == *flags, "canonical words parse to the same flags");
  for (const VllmFlag& flag : *flags) {
    Require(flag.flag.starts_with("--"), "every flag is a long flag");
    if (!flag.value) continue;
    Require(!flag.value->empty(), "a value is not empty");
    Require(std::none_of(flag.value->begin(), flag.value->end(),
                         [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }),
            "a value holds no control character");
  }
}

}  // namespace spark::fuzz
