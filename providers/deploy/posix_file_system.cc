#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <set>

#include "providers/file_system.h"
#include "util/crash_point.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/random.h"

namespace keyform {

namespace {

struct Staged {
  int dir_fd;
  std::string tmp_name;
  std::string name;
  std::filesystem::path path;
};

// Refuses a destination that is a symbolic link or not a regular file.
void check_destination(int dir_fd, const std::string& name, const std::filesystem::path& path) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw Error("cannot inspect " + path.string() + ": " + errno_text(errno));
  }
  if (S_ISLNK(st.st_mode)) throw Error("refusing to write through symbolic link " + path.string());
  if (!S_ISREG(st.st_mode)) throw Error(path.string() + " exists and is not a regular file");
}

constexpr std::string_view kTempMarker = ".keyform-";

// Removes temp files an earlier, killed run left beside `names` in a
// directory: they may hold private keys. Only this group's names are
// matched, so another target writing to the same directory is untouched.
void remove_stale_temps(int dir_fd, const std::set<std::string>& names) {
  Fd copy(::dup(dir_fd));
  if (!copy) return;
  DIR* dir = ::fdopendir(copy.get());
  if (!dir) return;
  copy.release();  // owned by dir now
  std::vector<std::string> stale;
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view n = e->d_name;
    size_t marker = n.rfind(kTempMarker);
    if (n.size() < 2 || n[0] != '.' || marker == std::string_view::npos) continue;
    if (names.count(std::string(n.substr(1, marker - 1)))) stale.emplace_back(n);
  }
  ::closedir(dir);
  for (const std::string& n : stale) ::unlinkat(dir_fd, n.c_str(), 0);
}

}  // namespace

void PosixFileSystem::write_group(std::vector<FileToWrite>& files) {
  std::map<std::filesystem::path, Fd> dirs;
  std::vector<Staged> staged;
  auto discard = [&] {
    for (const Staged& s : staged) ::unlinkat(s.dir_fd, s.tmp_name.c_str(), 0);
  };
  try {
    std::map<std::filesystem::path, std::set<std::string>> names;
    for (const FileToWrite& f : files)
      names[f.path.parent_path()].insert(f.path.filename().string());
    for (const FileToWrite& f : files) {
      std::filesystem::path parent = f.path.parent_path();
      if (dirs.count(parent)) continue;
      Fd dir = open_dir_nofollow(f.base, parent, /*create=*/true);
      remove_stale_temps(dir.get(), names[parent]);
      dirs.emplace(parent, std::move(dir));
    }
    for (FileToWrite& f : files) {
      std::filesystem::path parent = f.path.parent_path();
      int dfd = dirs.at(parent).get();
      std::string name = f.path.filename().string();
      check_destination(dfd, name, f.path);
      std::string tmp = "." + name + std::string(kTempMarker) + random_id(6);
      Fd fd(::openat(dfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!fd)
        throw Error("cannot create a temp file beside " + f.path.string() + ": " +
                    errno_text(errno));
      staged.push_back({dfd, tmp, name, f.path});
      if ((f.owner || f.group) && ::fchown(fd.get(), f.owner ? *f.owner : static_cast<uid_t>(-1),
                                           f.group ? *f.group : static_cast<gid_t>(-1)) != 0)
        throw Error("cannot set the owner of " + f.path.string() + ": " + errno_text(errno));
      // fchmod after fchown: chown may clear set-id bits, and the umask must not
      // widen or narrow what the config asked for.
      if (::fchmod(fd.get(), f.mode) != 0)
        throw Error("cannot set the mode of " + f.path.string() + ": " + errno_text(errno));
      write_all_or_crash(CrashSite::kFile, fd.get(), f.content.view(), f.path.c_str());
      fsync_or_throw(fd.get(), f.path);
    }
  } catch (...) {
    discard();
    throw;
  }
  // Every file is complete and durable under its temp name: switch them.
  for (size_t i = 0; i < staged.size(); ++i) {
    const Staged& s = staged[i];
    if (::renameat(s.dir_fd, s.tmp_name.c_str(), s.dir_fd, s.name.c_str()) != 0) {
      int err = errno;
      for (size_t j = i; j < staged.size(); ++j)
        ::unlinkat(staged[j].dir_fd, staged[j].tmp_name.c_str(), 0);
      throw Error("cannot rename into " + s.path.string() + ": " + errno_text(err));
    }
  }
  for (auto& [path, fd] : dirs) fsync_or_throw(fd.get(), path);
}

void PosixFileSystem::remove(const std::filesystem::path& base, const std::filesystem::path& path) {
  Fd dir;
  try {
    dir = open_dir_nofollow(base, path.parent_path(), /*create=*/false);
  } catch (const Error&) {
    if (!std::filesystem::exists(path.parent_path())) return;  // already gone
    throw;
  }
  std::string name = path.filename().string();
  struct stat st;
  if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw Error("cannot inspect " + path.string() + ": " + errno_text(errno));
  }
  if (S_ISLNK(st.st_mode)) throw Error("refusing to remove symbolic link " + path.string());
  if (::unlinkat(dir.get(), name.c_str(), 0) != 0)
    throw Error("cannot remove " + path.string() + ": " + errno_text(errno));
  fsync_or_throw(dir.get(), path.parent_path());
}

}  // namespace keyform
