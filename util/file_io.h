#pragma once
// Durable file operations, the way LevelDB's env_posix does them: write a
// temp file in the same directory, fsync it, rename it into place, fsync the
// directory. Paths are never followed through symbolic links where noted.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "util/secret_bytes.h"

namespace keyform {

namespace fs = std::filesystem;

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Reads a whole file. Throws keyform::Error naming the path.
std::string read_file(const fs::path& path);

// Reads a whole file holding secret material: nothing but the result keeps
// a copy, and the result is cleansed when released.
SecretBytes read_secret_file(const fs::path& path);

// Writes all of `data` to fd, retrying on EINTR and short writes. Throws.
void write_all(int fd, std::string_view data, const fs::path& what);
void fsync_or_throw(int fd, const fs::path& what);
void fsync_dir(const fs::path& dir);

// Replaces `path` with `data` durably: temp file in the same directory
// (mode `mode`), fsync, rename, fsync of the directory. Throws.
void write_file_durable(const fs::path& path, std::string_view data, mode_t mode = 0600);

// Opens (creating with mode 0700 where missing) each directory of `dir`
// below `base` without following symbolic links; a link anywhere below
// `base` is refused with an error naming it. A directory it creates is
// fsynced into its parent. Returns an O_DIRECTORY fd.
Fd open_dir_nofollow(const fs::path& base, const fs::path& dir, bool create);

// A message for errno, e.g. "No such file or directory".
std::string errno_text(int err);

}  // namespace keyform
