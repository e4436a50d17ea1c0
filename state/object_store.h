#pragma once
// The object store: opaque blobs by id. Blobs are already sealed (see
// keyring.h); the store does no cryptography. Thread-safe.
#include <string>
#include <string_view>
#include <vector>

namespace keyform {

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Stores `bytes` under `id`; durable (fsynced, renamed into place, directory
  // fsynced) when it returns. Overwriting an existing id with the same bytes
  // is allowed (retries are idempotent).
  virtual void put(const std::string& id, std::string_view bytes) = 0;
  // Throws keyform::Error when missing.
  virtual std::string get(const std::string& id) const = 0;
  virtual bool exists(const std::string& id) const = 0;
  // Removing a missing id is not an error.
  virtual void remove(const std::string& id) = 0;
  virtual std::vector<std::string> list() const = 0;
};

}  // namespace keyform
