#include "util/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/crash_point.h"
#include "util/error.h"
#include "util/random.h"

namespace keyform {

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

std::string errno_text(int err) { return std::strerror(err); }

std::string read_file(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error("cannot read " + path.string() + ": " + errno_text(errno));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot read " + path.string() + ": " + errno_text(errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

SecretBytes read_secret_file(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) throw Error("cannot read " + path.string() + ": " + errno_text(errno));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0)
    throw Error("cannot read " + path.string() + ": " + errno_text(errno));
  if (st.st_size > 1 << 20) throw Error(path.string() + " is too large for a key file");
  // Sized once, so it never reallocates and leaves a copy behind.
  SecretBytes out(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error("cannot read " + path.string() + ": " + errno_text(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

void write_all(int fd, std::string_view data, const fs::path& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot write " + what.string() + ": " + errno_text(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void fsync_or_throw(int fd, const fs::path& what) {
  if (::fsync(fd) != 0) throw Error("cannot sync " + what.string() + ": " + errno_text(errno));
}

void fsync_dir(const fs::path& dir) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw Error("cannot open directory " + dir.string() + ": " + errno_text(errno));
  fsync_or_throw(fd.get(), dir);
}

void write_file_durable(const fs::path& path, std::string_view data, mode_t mode) {
  fs::path dir = path.parent_path();
  fs::path tmp = path;
  tmp += ".tmp-" + random_id(6);
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) throw Error("cannot create " + tmp.string() + ": " + errno_text(errno));
    try {
      write_all_or_crash(CrashSite::kFile, fd.get(), data, tmp.c_str());
      fsync_or_throw(fd.get(), tmp);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error("cannot rename into " + path.string() + ": " + errno_text(err));
  }
  fsync_dir(dir);
}

Fd open_dir_nofollow(const fs::path& base, const fs::path& dir, bool create) {
  Fd cur(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cur) throw Error("cannot open directory " + base.string() + ": " + errno_text(errno));
  fs::path rel = dir.lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..")
    throw Error(dir.string() + " is outside " + base.string());
  fs::path walked = base;
  for (const fs::path& part : rel) {
    if (part == ".") continue;
    walked /= part;
    Fd next(::openat(cur.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next && errno == ENOENT && create) {
      // The new entry must survive a crash as surely as the files below it;
      // when another thread won the race to create it, its fsync may not have
      // happened yet, so sync here too.
      if (::mkdirat(cur.get(), part.c_str(), 0700) != 0 && errno != EEXIST)
        throw Error("cannot create directory " + walked.string() + ": " + errno_text(errno));
      fsync_or_throw(cur.get(), walked.parent_path());
      next = Fd(::openat(cur.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    }
    if (!next) {
      int err = errno;
      struct stat st;
      if (::fstatat(cur.get(), part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        throw Error("refusing to follow symbolic link " + walked.string());
      throw Error("cannot open directory " + walked.string() + ": " + errno_text(err));
    }
    cur = std::move(next);
  }
  return cur;
}

}  // namespace keyform
