#pragma once
// Prometheus text exposition format 0.0.4, written straight into a string: the same bytes as
// prometheus-cpp's TextSerializer (Debian 12's 1.0.1 — tests/unit/text_format_test.cc
// compares them), without its std::ostream, which cost ~3 µs a series (docs/benchmarks.md,
// "Scale").

#include <string>

#include "exporter/metrics.h"

namespace spark {

// Appends every family: `# HELP` (when it has help) and `# TYPE` lines, then one line per
// sample; histograms as _count, _sum and cumulative _bucket lines (+Inf last).
void AppendTextFormat(std::string& out, const Families& families);

}  // namespace spark
