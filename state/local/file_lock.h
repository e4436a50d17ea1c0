#pragma once
// An advisory flock(2) on a file. Two open file descriptions conflict even
// within one process, so each FileLock opens the file afresh. The lock goes
// away with the descriptor, so a process that dies cannot leave it held.
#include <filesystem>
#include <optional>

#include "util/file_io.h"

namespace keyform {

class FileLock {
 public:
  enum class Mode { kShared, kExclusive };

  // Takes the lock without waiting; nullopt when another holder conflicts.
  // Creates the file (mode 0600) when missing. Throws on other failures.
  static std::optional<FileLock> try_lock(const fs::path& path, Mode mode);

  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;

 private:
  explicit FileLock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;  // closing it releases the lock
};

}  // namespace keyform
