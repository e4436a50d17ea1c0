#include "state/local/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "util/error.h"

namespace keyform {

std::optional<FileLock> FileLock::try_lock(const fs::path& path, Mode mode) {
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) throw Error("cannot open lock file " + path.string() + ": " + errno_text(errno));
  int op = (mode == Mode::kExclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
  for (;;) {
    if (::flock(fd.get(), op) == 0) return FileLock(std::move(fd));
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return std::nullopt;
    throw Error("cannot lock " + path.string() + ": " + errno_text(errno));
  }
}

}  // namespace keyform
