#pragma once
// Remote output as a command's parser sees it: the input split into lines the way the
// executor splits a Spark's stdout (LineSplitter: `\n`, `\r\n`, a lone `\r`, 16 KiB pieces).

#include <string>
#include <string_view>
#include <vector>

#include "controller/remote_executor.h"

namespace spark::fuzz {

inline std::vector<std::string> ExecutorLines(std::string_view input) {
  std::vector<std::string> lines;
  LineSplitter splitter;
  const auto keep = [&lines](std::string_view line) { lines.emplace_back(line); };
  splitter.Feed(input, keep);
  splitter.Flush(keep);
  return lines;
}

// The input as the parser reads it once the executor has split it: its lines, each ended by \n.
inline std::string RejoinedExecutorLines(std::string_view input) {
  std::string joined;
  for (const std::string& line : ExecutorLines(input)) joined += line + "\n";
  return joined;
}

}  // namespace spark::fuzz
