#include "state/local/local_object_store.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "util/error.h"

namespace keyform {

namespace {

bool valid_id(const std::string& id) {
  if (id.size() < 3 || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

LocalObjectStore::LocalObjectStore(fs::path state_dir)
    : state_dir_(std::move(state_dir)), objects_dir_(state_dir_ / "objects") {}

fs::path LocalObjectStore::path_of(const std::string& id) const {
  if (!valid_id(id)) throw Error("invalid object id \"" + id + "\": expected lower-case hex");
  return objects_dir_ / id.substr(0, 2) / id;
}

void LocalObjectStore::put(const std::string& id, std::string_view bytes) {
  fs::path path = path_of(id);
  fs::path dir = path.parent_path();
  std::error_code ec;
  // Refuses symbolic links between the state directory and the object, and
  // makes the entry of any directory it creates durable.
  open_dir_nofollow(state_dir_, dir, /*create=*/true);

  if (fs::exists(fs::symlink_status(path, ec))) {
    if (read_file(path) == bytes) return;
    throw Error("object " + id + " already exists in " + objects_dir_.string() +
                " with different content; refusing to overwrite it");
  }
  write_file_durable(path, bytes, 0600);
}

std::string LocalObjectStore::get(const std::string& id) const {
  fs::path path = path_of(id);
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec)))
    throw Error("object " + id + " is missing from " + objects_dir_.string());
  return read_file(path);
}

bool LocalObjectStore::exists(const std::string& id) const {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path_of(id), ec));
}

void LocalObjectStore::remove(const std::string& id) {
  fs::path path = path_of(id);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return;
    throw Error("cannot remove object " + path.string() + ": " + errno_text(errno));
  }
  fsync_dir(path.parent_path());
}

std::vector<std::string> LocalObjectStore::list() const {
  std::vector<std::string> ids;
  std::error_code ec;
  if (!fs::is_directory(objects_dir_, ec)) return ids;
  for (const auto& sub : fs::directory_iterator(objects_dir_)) {
    if (!sub.is_directory() || sub.is_symlink()) continue;
    for (const auto& f : fs::directory_iterator(sub.path())) {
      std::string name = f.path().filename().string();
      // Skips temp files of writes in progress (or interrupted).
      if (f.is_regular_file() && valid_id(name) &&
          name.compare(0, 2, sub.path().filename().string()) == 0)
        ids.push_back(name);
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace keyform
