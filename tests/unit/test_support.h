#pragma once
// Shared helpers for unit tests.
#include <filesystem>
#include <string>

namespace keyform::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes `text` to path()/rel, creating directories.
  void write(const std::string& rel, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

}  // namespace keyform::testing
