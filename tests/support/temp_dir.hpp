#pragma once

#include <filesystem>
#include <string>

namespace sgtest {

// A fresh directory under $TMPDIR (or /tmp), removed recursively on destruction.
// Set SG_TEST_KEEP_TMP=1 to keep it for post-mortem.
class TempDir {
 public:
  explicit TempDir(std::string prefix = "sg");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sgtest
