// open_beneath never leaves the media folder: no symlink, no "..", regular files only.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "safe_open.hpp"
#include "temp_dir.hpp"

using namespace sg::streaming;
namespace fs = std::filesystem;

TEST(SafeOpen, OpensFilesBelowTheRootOnly) {
  sgtest::TempDir dir;
  fs::create_directories(dir.path() / "media/c1/720p");
  std::ofstream(dir.path() / "media/c1/720p/seg-00001.m4s") << "segment";
  std::ofstream(dir.path() / "secret.txt") << "secret";
  fs::create_symlink(dir.path() / "secret.txt", dir.path() / "media/c1/poster.jpg");
  fs::create_directory_symlink(dir.path(), dir.path() / "media/c1/360p");
  fs::create_directory_symlink(dir.path() / "media/c1", dir.path() / "media/c2");

  Fd root = open_root((dir.path() / "media").string());
  Fd ok = open_beneath(root.get(), "c1/720p/seg-00001.m4s");
  ASSERT_TRUE(ok);
  std::string text;
  ASSERT_TRUE(read_small_file(ok.get(), 100, text));
  EXPECT_EQ(text, "segment");
  EXPECT_FALSE(read_small_file(ok.get(), 3, text));  // larger than the limit

  for (const char* bad : {"c1/poster.jpg", "c1/360p/secret.txt", "c2/720p/seg-00001.m4s",
                          "c1/../../secret.txt", "../secret.txt", "c1/720p", "c1//720p/x", "",
                          "c1/720p/missing.m4s", "/etc/passwd", "./c1/720p/seg-00001.m4s"})
    EXPECT_FALSE(open_beneath(root.get(), bad)) << bad;
}

TEST(SafeOpen, RootIsCreatedWhenMissing) {
  sgtest::TempDir dir;
  Fd root = open_root((dir.path() / "a/b/media").string());
  EXPECT_TRUE(root);
  EXPECT_TRUE(fs::is_directory(dir.path() / "a/b/media"));
}
