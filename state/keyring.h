#pragma once
// Envelope encryption of objects (DESIGN.md section 4).
//
// The root key (256 bits) wraps each KmsKey version's key material. Each
// object is sealed with AES-256-GCM under a fresh 256-bit data key; the data
// key is wrapped (AES-256-GCM) by a KmsKey version, or by the root key when
// the resource names no KmsKey. The object's context (its address, role and
// version) is authenticated data: an object moved to another address, or a
// header edited, fails to open. Sealed objects are self-describing (which key
// wraps them), so opening needs no state. Thread-safe.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "state/object_store.h"
#include "state/state.h"
#include "util/secret_bytes.h"

namespace keyform {

// Which key wraps an object's data key.
struct KeyRef {
  std::string kms_address;      // "KmsKey/main", or "" for the root key
  int version = 0;              // the KmsKey version
  std::string material_object;  // object id of that version's wrapped material
};

class Keyring {
 public:
  Keyring(SecretBytes root_key, ObjectStore& store);

  // "HMAC-SHA256(root key, "keyform root key check")" as hex: recorded at
  // init, compared at load so a wrong root key is a clear error.
  std::string root_key_check() const;

  // Generates a KmsKey version's 256-bit material, wraps it with the root
  // key, stores it, and returns its object id.
  std::string create_kms_material(const std::string& kms_address, int version);

  // Seals `plaintext` under a fresh data key wrapped by `key`, stores it and
  // returns the object id. `context` is e.g. "Certificate/web#privateKey@a1b2".
  std::string seal(std::string_view context, const SecretBytes& plaintext, const KeyRef& key);
  // Seals and returns the bytes without storing them (for tests and export).
  std::string seal_bytes(std::string_view context, const SecretBytes& plaintext, const KeyRef& key);

  // Opens an object. Throws keyform::Error when missing, tampered with, or
  // opened under another context.
  SecretBytes open(const std::string& object_id, std::string_view context);
  SecretBytes open_bytes(std::string_view sealed, std::string_view context);

  // Seals an object's plaintext again under `to` as a new object with the
  // same context, and returns its id; "" when the object is not wrapped by
  // an older version of `to`'s KmsKey. The old object stays: the caller
  // drops it once the new id is recorded.
  std::string reencrypt(const std::string& object_id, const KeyRef& to);

  // A disabled KmsKey neither seals nor opens (KmsKey spec.enabled: false):
  // both throw a clear error naming it. Every key is enabled until told.
  void set_key_enabled(const std::string& kms_address, bool enabled);
  // The same for every KmsKey recorded in `state` (its enabled attribute).
  void set_key_states(const State& state);

  ObjectStore& store() { return store_; }

 private:
  // The key that wraps data keys for `key`: the root key or a KmsKey version.
  SecretBytes wrapping_key(const KeyRef& key);
  SecretBytes kms_material(const KeyRef& key);

  SecretBytes root_key_;
  ObjectStore& store_;
  std::mutex mu_;
  std::map<std::string, SecretBytes> material_cache_;  // material_object -> key
  std::set<std::string> disabled_;                     // KmsKey addresses
};

// HMAC-SHA256(root key, "keyform root key check") as hex: the value
// Keyring::root_key_check() returns, computed without a store.
std::string compute_root_key_check(const SecretBytes& root_key);

// Reads a root key given as base64 (32 bytes once decoded). Throws with a
// message that never echoes the input.
SecretBytes decode_root_key(std::string_view base64_text);

}  // namespace keyform
