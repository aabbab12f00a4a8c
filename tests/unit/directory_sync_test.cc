// SyncDirectory (exporter/file_io.h): the one directory fsync behind WriteFileAtomic and the
// SSH key generation. Its failures name the directory instead of passing silently.
#include <gtest/gtest.h>

#include <fstream>

#include "exporter/file_io.h"
#include "support/process.h"

namespace spark {
namespace {

TEST(DirectorySync, SyncsAnExistingDirectory) {
  test::TempDir dir;
  EXPECT_TRUE(SyncDirectory(dir.path()).ok());
}

TEST(DirectorySync, EmptyMeansTheWorkingDirectory) { EXPECT_TRUE(SyncDirectory("").ok()); }

TEST(DirectorySync, AMissingDirectoryIsAnIoErrorNamingIt) {
  test::TempDir dir;
  const Status status = SyncDirectory(dir / "gone");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kIoError);
  EXPECT_NE(status.message().find((dir / "gone").string()), std::string::npos) << status.message();
}

TEST(DirectorySync, ARegularFileIsNotADirectory) {
  test::TempDir dir;
  std::ofstream(dir / "file") << "x";
  const Status status = SyncDirectory(dir / "file");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kIoError);
  EXPECT_NE(status.message().find("Not a directory"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace spark
