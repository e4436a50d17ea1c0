#pragma once
// Sealed objects in keyform.objects: id, bytes, sha256 of the bytes. Like the
// local store it never replaces an object with different bytes, and get()
// checks the checksum, so a damaged row is an error rather than a key that
// fails to open later. Thread-safe (PgConnectionPool).
#include "state/object_store.h"
#include "state/postgres/pg_connection.h"

namespace keyform {

class PgObjectStore : public ObjectStore {
 public:
  explicit PgObjectStore(PgConnectionPool& db) : db_(db) {}
  void put(const std::string& id, std::string_view bytes) override;
  std::string get(const std::string& id) const override;
  bool exists(const std::string& id) const override;
  void remove(const std::string& id) override;
  std::vector<std::string> list() const override;  // sorted

 private:
  PgConnectionPool& db_;
};

}  // namespace keyform
