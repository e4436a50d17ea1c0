#pragma once
// The seam through which deployments touch the file system, so tests can
// inject faults and so every write follows the same rules:
//   - each file is written to a temp file in its own directory, fsynced, and
//     renamed into place; the directory is fsynced;
//   - a target's files switch together: every temp is written and synced
//     before the first rename; if any write fails, nothing is renamed;
//   - nothing is followed through a symbolic link: not the file, not any
//     directory below the base (the config directory for relative paths,
//     "/" for absolute ones); missing directories are created 0700;
//   - the switch is reversible: before the first rename, each destination's
//     previous version is kept durably beside it (a hard link
//     ".NAME.keyform-prev", or an empty ".NAME.keyform-absent" marker when
//     there was none), until commit_group() drops them or restore_group()
//     puts them back. A switch a crash interrupted is rolled back by the next
//     write_group() of the same files before it writes anything, so the
//     files are always one whole version or the other.
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
  // Throws keyform::Error naming the file; on error no file was replaced
  // (those already switched were restored). On success the previous
  // versions are kept until commit_group() or restore_group().
  virtual void write_group(std::vector<FileToWrite>& files) = 0;
  // Puts back the versions write_group() replaced (removing files that did
  // not exist before). Only base and path of each file are used.
  virtual void restore_group(const std::vector<FileToWrite>& files) = 0;
  // Drops the kept previous versions: the switch is final.
  virtual void commit_group(const std::vector<FileToWrite>& files) = 0;
  // Removes a file if present (never following a link). Throws on error.
  virtual void remove(const std::filesystem::path& base, const std::filesystem::path& path) = 0;
};

class PosixFileSystem : public FileSystem {
 public:
  void write_group(std::vector<FileToWrite>& files) override;
  void restore_group(const std::vector<FileToWrite>& files) override;
  void commit_group(const std::vector<FileToWrite>& files) override;
  void remove(const std::filesystem::path& base, const std::filesystem::path& path) override;
};

}  // namespace keyform
