// Client `source` names as label values: bounded, 8 of 32 slots kept for senders with a
// token, a slot never taken back (under concurrent reports: tests/concurrency).
#include <gtest/gtest.h>

#include "exporter/report_stats.h"

namespace spark {
namespace {

std::string Name(const std::string& prefix, int i) { return prefix + "-" + std::to_string(i); }

TEST(SourceLabels, AFloodWithoutTokenLeavesEightSlotsForTokenHolders) {
  SourceLabels labels;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(labels.Label(Name("anon", i)), i < 24 ? Name("anon", i) : "other") << i;
  }
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(labels.Label(Name("app", i), /*with_token=*/true), i < 8 ? Name("app", i) : "other")
        << i;
  }
}

TEST(SourceLabels, TokenHoldersMayTakeEverySlot) {
  SourceLabels labels;
  for (int i = 0; i < 32; ++i) EXPECT_EQ(labels.Label(Name("app", i), true), Name("app", i));
  EXPECT_EQ(labels.Label("app-32", true), "other");
  EXPECT_EQ(labels.Label("anon-0"), "other");
}

TEST(SourceLabels, ASlotOnceGivenIsNeverTakenBack) {
  SourceLabels labels;
  EXPECT_EQ(labels.Label("open-webui"), "open-webui");
  EXPECT_EQ(labels.Label("recap", true), "recap");
  for (int i = 0; i < 100; ++i) labels.Label(Name("anon", i), i % 2 == 0);
  // Full now; the first names keep their labels, with or without a token.
  EXPECT_EQ(labels.Label("open-webui"), "open-webui");
  EXPECT_EQ(labels.Label("open-webui", true), "open-webui");
  EXPECT_EQ(labels.Label("recap"), "recap");
  EXPECT_EQ(labels.Label("late", true), "other");
}

TEST(SourceLabels, EmptyIsUnknownAndLongNamesAreCutOnACharacter) {
  SourceLabels labels(32, 6);
  EXPECT_EQ(labels.Label(""), "unknown");
  EXPECT_EQ(labels.Label("", true), "unknown");
  EXPECT_EQ(labels.Label("abcd\xc3\xa9xyz"), "abcd\xc3\xa9");
  EXPECT_EQ(labels.Label("abcde\xc3\xa9"), "abcde");
  // Names that cut to the same label share one slot.
  for (int i = 0; i < 30; ++i) labels.Label("abcdef" + std::to_string(i));
  EXPECT_EQ(labels.Label("zz"), "zz");
}

}  // namespace
}  // namespace spark
