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
// Returns whether it exists.
bool check_destination(int dir_fd, const std::string& name, const std::filesystem::path& path) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return false;
    throw Error("cannot inspect " + path.string() + ": " + errno_text(errno));
  }
  if (S_ISLNK(st.st_mode)) throw Error("refusing to write through symbolic link " + path.string());
  if (!S_ISREG(st.st_mode)) throw Error(path.string() + " exists and is not a regular file");
  return true;
}

constexpr std::string_view kTempMarker = ".keyform-";

// The names the previous version of NAME is kept under during a switch.
std::string previous_name(const std::string& name) { return "." + name + ".keyform-prev"; }
std::string absent_name(const std::string& name) { return "." + name + ".keyform-absent"; }

bool exists_at(int dir_fd, const std::string& name) {
  struct stat st;
  return ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

void unlink_if_present(int dir_fd, const std::string& name, const std::filesystem::path& dir) {
  if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT)
    throw Error("cannot remove " + (dir / name).string() + ": " + errno_text(errno));
}

// Puts NAME's kept previous version back; returns whether there was one.
// Each step is idempotent, so a crash in the middle is finished by the
// next call.
bool restore_one(int dir_fd, const std::string& name, const std::filesystem::path& dir) {
  const std::string prev = previous_name(name), absent = absent_name(name);
  if (exists_at(dir_fd, prev)) {
    // rename() between two links of one inode does nothing, so the link is
    // dropped explicitly afterwards.
    if (::renameat(dir_fd, prev.c_str(), dir_fd, name.c_str()) != 0)
      throw Error("cannot restore " + (dir / name).string() + ": " + errno_text(errno));
    unlink_if_present(dir_fd, prev, dir);
    return true;
  }
  if (exists_at(dir_fd, absent)) {
    unlink_if_present(dir_fd, name, dir);
    unlink_if_present(dir_fd, absent, dir);
    return true;
  }
  return false;
}

// Keeps NAME's current version (or the fact that there is none) durably
// beside it, once the directory is fsynced.
void keep_previous(int dir_fd, const std::string& name, bool exists,
                   const std::filesystem::path& path) {
  if (exists) {
    if (::linkat(dir_fd, name.c_str(), dir_fd, previous_name(name).c_str(), 0) != 0)
      throw Error("cannot keep the previous version of " + path.string() + ": " +
                  errno_text(errno));
    return;
  }
  Fd fd(::openat(dir_fd, absent_name(name).c_str(),
                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw Error("cannot create a marker beside " + path.string() + ": " + errno_text(errno));
}

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

// The group's directories, opened without following links.
using Dirs = std::map<std::filesystem::path, Fd>;

Dirs open_dirs(const std::vector<FileToWrite>& files, bool create) {
  Dirs dirs;
  for (const FileToWrite& f : files) {
    std::filesystem::path parent = f.path.parent_path();
    if (!dirs.count(parent)) dirs.emplace(parent, open_dir_nofollow(f.base, parent, create));
  }
  return dirs;
}

void fsync_dirs(const Dirs& dirs) {
  for (const auto& [path, fd] : dirs) fsync_or_throw(fd.get(), path);
}

// Only directories where something was put back are fsynced: before
// every write this usually finds nothing, and costs no fsync.
void restore_all(const std::vector<FileToWrite>& files, const Dirs& dirs) {
  std::set<std::filesystem::path> changed;
  for (const FileToWrite& f : files) {
    std::filesystem::path parent = f.path.parent_path();
    if (restore_one(dirs.at(parent).get(), f.path.filename().string(), parent))
      changed.insert(parent);
  }
  for (const std::filesystem::path& d : changed) fsync_or_throw(dirs.at(d).get(), d);
}

}  // namespace

void PosixFileSystem::write_group(std::vector<FileToWrite>& files) {
  Dirs dirs;
  std::vector<Staged> staged;
  std::vector<size_t> kept;  // files whose previous version is kept
  auto discard = [&] {
    for (const Staged& s : staged) ::unlinkat(s.dir_fd, s.tmp_name.c_str(), 0);
    for (size_t i : kept) {
      const FileToWrite& f = files[i];
      int dfd = dirs.at(f.path.parent_path()).get();
      std::string name = f.path.filename().string();
      ::unlinkat(dfd, previous_name(name).c_str(), 0);
      ::unlinkat(dfd, absent_name(name).c_str(), 0);
    }
  };
  try {
    dirs = open_dirs(files, /*create=*/true);
    // A switch a killed run left half done goes back to where it started,
    // so the versions kept below are whole ones.
    restore_all(files, dirs);
    std::map<std::filesystem::path, std::set<std::string>> names;
    for (const FileToWrite& f : files)
      names[f.path.parent_path()].insert(f.path.filename().string());
    for (const auto& [parent, group] : names) remove_stale_temps(dirs.at(parent).get(), group);
    std::vector<bool> existed;
    for (FileToWrite& f : files) {
      int dfd = dirs.at(f.path.parent_path()).get();
      std::string name = f.path.filename().string();
      existed.push_back(check_destination(dfd, name, f.path));
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
    for (size_t i = 0; i < files.size(); ++i) {
      kept.push_back(i);
      keep_previous(staged[i].dir_fd, staged[i].name, existed[i], files[i].path);
    }
    // Every file is complete and durable under its temp name, and every
    // previous version is recorded: from here a crash can be rolled back.
    fsync_dirs(dirs);
  } catch (...) {
    discard();
    throw;
  }
  for (size_t i = 0; i < staged.size(); ++i) {
    const Staged& s = staged[i];
    if (::renameat(s.dir_fd, s.tmp_name.c_str(), s.dir_fd, s.name.c_str()) != 0) {
      int err = errno;
      for (size_t j = i; j < staged.size(); ++j)
        ::unlinkat(staged[j].dir_fd, staged[j].tmp_name.c_str(), 0);
      std::string reason = "cannot rename into " + s.path.string() + ": " + errno_text(err);
      try {
        restore_all(files, dirs);
      } catch (const Error& e) {
        throw Error(reason + "; restoring the files already switched failed: " + e.what());
      }
      throw Error(reason + " (the files already switched were restored)");
    }
  }
  fsync_dirs(dirs);
}

void PosixFileSystem::restore_group(const std::vector<FileToWrite>& files) {
  restore_all(files, open_dirs(files, /*create=*/false));
}

void PosixFileSystem::commit_group(const std::vector<FileToWrite>& files) {
  Dirs dirs = open_dirs(files, /*create=*/false);
  for (const FileToWrite& f : files) {
    std::filesystem::path parent = f.path.parent_path();
    int dfd = dirs.at(parent).get();
    std::string name = f.path.filename().string();
    // One of the two was kept; the marker is looked for only without a link.
    if (::unlinkat(dfd, previous_name(name).c_str(), 0) != 0) {
      if (errno != ENOENT)
        throw Error("cannot remove " + (parent / previous_name(name)).string() + ": " +
                    errno_text(errno));
      unlink_if_present(dfd, absent_name(name), parent);
    }
  }
  fsync_dirs(dirs);
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
  // A previous version an interrupted switch kept goes too: it may be a key.
  unlink_if_present(dir.get(), previous_name(name), path.parent_path());
  unlink_if_present(dir.get(), absent_name(name), path.parent_path());
  struct stat st;
  if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      fsync_or_throw(dir.get(), path.parent_path());
      return;
    }
    throw Error("cannot inspect " + path.string() + ": " + errno_text(errno));
  }
  if (S_ISLNK(st.st_mode)) throw Error("refusing to remove symbolic link " + path.string());
  if (::unlinkat(dir.get(), name.c_str(), 0) != 0)
    throw Error("cannot remove " + path.string() + ": " + errno_text(errno));
  fsync_or_throw(dir.get(), path.parent_path());
}

}  // namespace keyform
