#pragma once
// Objects as files: <state dir>/objects/<first two hex digits of id>/<id>,
// files mode 0600, directories 0700, written durably (temp file, fsync,
// rename, fsync of the directory). Ids are lower-case hex; anything else is
// refused, so an id can never name a path outside the store. Thread-safe:
// every call works on its own file.
#include <filesystem>

#include "state/object_store.h"
#include "util/file_io.h"

namespace keyform {

class LocalObjectStore : public ObjectStore {
 public:
  // `state_dir` holds objects/; it is created on the first put.
  explicit LocalObjectStore(fs::path state_dir);

  // Refuses to replace an object with different bytes: sealed material is
  // never overwritten, only added and removed.
  void put(const std::string& id, std::string_view bytes) override;
  std::string get(const std::string& id) const override;
  bool exists(const std::string& id) const override;
  void remove(const std::string& id) override;
  // Sorted.
  std::vector<std::string> list() const override;

 private:
  fs::path path_of(const std::string& id) const;

  fs::path state_dir_;
  fs::path objects_dir_;
};

}  // namespace keyform
