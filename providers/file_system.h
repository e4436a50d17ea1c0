#pragma once
// The seam through which deployments touch the file system, so tests can
// inject faults and so every write follows the same rules:
//   - each file is written to a temp file in its own directory, fsynced, and
//     renamed into place; the directory is fsynced;
//   - a target's files switch together: every temp is written and synced
//     before the first rename; if any write fails, nothing is renamed;
//   - nothing is followed through a symbolic link: not the file, not any
//     directory below the base (the config directory for relative paths,
//     "/" for absolute ones); missing directories are created 0700.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/secret_bytes.h"

namespace keyform {

struct FileToWrite {
  std::filesystem::path base;  // no link is followed below it (see above)
  std::filesystem::path path;  // absolute, below base
  SecretBytes content;
  mode_t mode = 0600;
  std::optional<uid_t> owner;
  std::optional<gid_t> group;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Throws keyform::Error naming the file; on error no file was replaced.
  virtual void write_group(std::vector<FileToWrite>& files) = 0;
  // Removes a file if present (never following a link). Throws on error.
  virtual void remove(const std::filesystem::path& base, const std::filesystem::path& path) = 0;
};

class PosixFileSystem : public FileSystem {
 public:
  void write_group(std::vector<FileToWrite>& files) override;
  void remove(const std::filesystem::path& base, const std::filesystem::path& path) override;
};

}  // namespace keyform
