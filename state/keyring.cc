#include "state/keyring.h"

// Sealed object format (docs/state-format.md says the same):
//
//   <header: compact JSON>\n<AES-256-GCM ciphertext><16-byte tag>
//
//   header = {"v":1, "id":"<object id>", "context":"Certificate/web#privateKey",
//             "kek":{"kms":"KmsKey/main","version":1,"material":"<object id>"}
//                   or {"kms":""} for the root key,
//             "wrapped_key":"<base64 of iv(12) || ciphertext(32) || tag(16)>",
//             "iv":"<base64 of the payload's 12-byte iv>"}
//
// The data key is 32 fresh random bytes per object, wrapped by the KEK with
// AES-256-GCM. Both the wrap and the payload authenticate the same AAD:
//   "keyform-object-v1\0" id "\0" context "\0" kek
// where kek is "root", or "<kms address>\0v<version>\0<material id>". So an
// object renamed to another id, opened under another context, or with its
// kek edited fails authentication instead of decrypting.

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>

#include "util/aes_gcm.h"
#include "util/encoding.h"
#include "util/error.h"
#include "util/random.h"

namespace keyform {

namespace {

using nlohmann::json;

constexpr size_t kKeySize = kAesKeySize;
constexpr size_t kIvSize = kGcmIvSize;
constexpr size_t kTagSize = kGcmTagSize;
constexpr int kFormatVersion = 1;

std::string material_context(const std::string& kms_address, int version) {
  return kms_address + "#material/v" + std::to_string(version);
}

std::string kek_description(const KeyRef& key) {
  if (key.kms_address.empty()) return "root";
  std::string d = key.kms_address;
  d += '\0';
  d += "v" + std::to_string(key.version);
  d += '\0';
  d += key.material_object;
  return d;
}

std::string make_aad(std::string_view id, std::string_view context, const KeyRef& key) {
  std::string aad = "keyform-object-v1";
  aad += '\0';
  aad += id;
  aad += '\0';
  aad += context;
  aad += '\0';
  aad += kek_description(key);
  return aad;
}

struct Header {
  std::string id;
  std::string context;
  KeyRef kek;
  std::vector<uint8_t> wrapped_key;
  std::vector<uint8_t> iv;
};

// Splits a sealed object into its header and ciphertext. Throws naming
// `what` (the object id or "sealed object") when it is not one.
Header parse_header(std::string_view sealed, const std::string& what,
                    std::string_view* ciphertext) {
  auto bad = [&](const std::string& why) {
    return Error(what + " is not a keyform sealed object (" + why + ")");
  };
  size_t nl = sealed.find('\n');
  if (nl == std::string_view::npos) throw bad("no header line");
  json j = json::parse(sealed.substr(0, nl), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw bad("the header is not a JSON object");
  auto str = [&](const json& o, const char* key) -> std::string {
    auto it = o.find(key);
    if (it == o.end() || !it->is_string()) throw bad(std::string("header field ") + key);
    return it->get<std::string>();
  };
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer()) throw bad("header field v");
  if (v->get<int64_t>() != kFormatVersion)
    throw Error(what + " is sealed in format v" + std::to_string(v->get<int64_t>()) +
                ", which this keyform cannot read");
  Header h;
  h.id = str(j, "id");
  h.context = str(j, "context");
  auto kek = j.find("kek");
  if (kek == j.end() || !kek->is_object()) throw bad("header field kek");
  h.kek.kms_address = str(*kek, "kms");
  if (!h.kek.kms_address.empty()) {
    auto ver = kek->find("version");
    if (ver == kek->end() || !ver->is_number_integer() || ver->get<int64_t>() < 1 ||
        ver->get<int64_t>() > INT32_MAX)
      throw bad("header field kek.version");
    h.kek.version = static_cast<int>(ver->get<int64_t>());
    h.kek.material_object = str(*kek, "material");
  }
  try {
    h.wrapped_key = base64_decode(str(j, "wrapped_key"));
    h.iv = base64_decode(str(j, "iv"));
  } catch (const Error&) {
    throw bad("malformed base64 in the header");
  }
  if (h.wrapped_key.size() != kIvSize + kKeySize + kTagSize) throw bad("wrapped_key size");
  if (h.iv.size() != kIvSize) throw bad("iv size");
  *ciphertext = sealed.substr(nl + 1);
  return h;
}

Error auth_failure(const std::string& id) {
  return Error("object " + id +
               " failed authentication: it was modified or belongs to another address");
}

// Seals `plaintext` as object `id` under `kek`, which `key` describes.
std::string encrypt_object(const std::string& id, std::string_view context,
                           const SecretBytes& plaintext, const KeyRef& key,
                           const SecretBytes& kek) {
  std::string aad = make_aad(id, context, key);
  SecretBytes data_key = random_secret(kKeySize);
  SecretBytes wrap_iv = random_secret(kIvSize);
  SecretBytes iv = random_secret(kIvSize);
  std::string wrapped(reinterpret_cast<const char*>(wrap_iv.data()), kIvSize);
  wrapped += aes_gcm_encrypt(kek, wrap_iv.data(), aad, data_key.data(), data_key.size());

  json kek_json = {{"kms", key.kms_address}};
  if (!key.kms_address.empty()) {
    kek_json["version"] = key.version;
    kek_json["material"] = key.material_object;
  }
  json header = {
      {"v", kFormatVersion},
      {"id", id},
      {"context", std::string(context)},
      {"kek", std::move(kek_json)},
      {"wrapped_key", base64_encode(wrapped)},
      {"iv", base64_encode(iv.data(), iv.size())},
  };
  std::string out = header.dump();
  out += '\n';
  out += aes_gcm_encrypt(data_key, iv.data(), aad, plaintext.data(), plaintext.size());
  return out;
}

// Opens a parsed object with the KEK its header names. The caller has
// checked the header's id and context against what it asked for.
SecretBytes decrypt_object(const Header& h, std::string_view ciphertext, std::string_view context,
                           const SecretBytes& kek) {
  std::string aad = make_aad(h.id, context, h.kek);
  std::string_view wrapped(reinterpret_cast<const char*>(h.wrapped_key.data()) + kIvSize,
                           kKeySize + kTagSize);
  SecretBytes data_key;
  if (!aes_gcm_decrypt(kek, h.wrapped_key.data(), aad, wrapped, data_key)) throw auth_failure(h.id);
  SecretBytes plaintext;
  if (!aes_gcm_decrypt(data_key, h.iv.data(), aad, ciphertext, plaintext)) throw auth_failure(h.id);
  return plaintext;
}

}  // namespace

Keyring::Keyring(SecretBytes root_key, ObjectStore& store)
    : root_key_(std::move(root_key)), store_(store) {
  if (root_key_.size() != kKeySize)
    throw Error("root key must be 32 bytes (got " + std::to_string(root_key_.size()) + " bytes)");
}

std::string Keyring::root_key_check() const { return compute_root_key_check(root_key_); }

std::string Keyring::create_kms_material(const std::string& kms_address, int version) {
  if (kms_address.empty() || version < 1)
    throw Error("a KmsKey version needs an address and a version of at least 1");
  SecretBytes material = random_secret(kKeySize);
  std::string id = random_id(16);
  store_.put(id, encrypt_object(id, material_context(kms_address, version), material, KeyRef{},
                                root_key_));
  std::lock_guard<std::mutex> lock(mu_);
  material_cache_.insert_or_assign(id, std::move(material));
  return id;
}

std::string Keyring::seal(std::string_view context, const SecretBytes& plaintext,
                          const KeyRef& key) {
  std::string id = random_id(16);
  store_.put(id, encrypt_object(id, context, plaintext, key, wrapping_key(key)));
  return id;
}

std::string Keyring::seal_bytes(std::string_view context, const SecretBytes& plaintext,
                                const KeyRef& key) {
  return encrypt_object(random_id(16), context, plaintext, key, wrapping_key(key));
}

SecretBytes Keyring::open(const std::string& object_id, std::string_view context) {
  std::string sealed = store_.get(object_id);
  std::string_view ciphertext;
  Header h = parse_header(sealed, "object " + object_id, &ciphertext);
  if (h.id != object_id || h.context != context) throw auth_failure(object_id);
  return decrypt_object(h, ciphertext, context, wrapping_key(h.kek));
}

SecretBytes Keyring::open_bytes(std::string_view sealed, std::string_view context) {
  std::string_view ciphertext;
  Header h = parse_header(sealed, "sealed object", &ciphertext);
  if (h.context != context) throw auth_failure(h.id);
  return decrypt_object(h, ciphertext, context, wrapping_key(h.kek));
}

SecretBytes Keyring::wrapping_key(const KeyRef& key) {
  if (key.kms_address.empty()) return root_key_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (disabled_.count(key.kms_address))
      throw Error(key.kms_address +
                  " is disabled (enabled: false): it neither encrypts nor decrypts; set enabled: "
                  "true and apply to use it again");
  }
  return kms_material(key);
}

void Keyring::set_key_enabled(const std::string& kms_address, bool enabled) {
  std::lock_guard<std::mutex> lock(mu_);
  if (enabled)
    disabled_.erase(kms_address);
  else
    disabled_.insert(kms_address);
}

void Keyring::set_key_states(const State& state) {
  for (const auto& [address, r] : state.resources)
    if (r.kind == "KmsKey")
      set_key_enabled(
          address, r.attributes.value("enabled", true) && !r.attributes.contains("deleted_unix"));
}

std::string Keyring::reencrypt(const std::string& object_id, const KeyRef& to) {
  std::string sealed = store_.get(object_id);
  std::string_view ciphertext;
  Header h = parse_header(sealed, "object " + object_id, &ciphertext);
  if (h.id != object_id) throw auth_failure(object_id);
  if (h.kek.kms_address != to.kms_address || h.kek.version == to.version) return "";
  // The header's context is authenticated: a forged one fails to open.
  SecretBytes plaintext = decrypt_object(h, ciphertext, h.context, wrapping_key(h.kek));
  std::string id = random_id(16);
  store_.put(id, encrypt_object(id, h.context, plaintext, to, wrapping_key(to)));
  return id;
}

SecretBytes Keyring::kms_material(const KeyRef& key) {
  if (key.kms_address.empty() || key.version < 1 || key.material_object.empty())
    throw Error("a KmsKey reference needs an address, a version and its material object");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = material_cache_.find(key.material_object);
  if (it != material_cache_.end()) return it->second;
  std::string context = material_context(key.kms_address, key.version);
  SecretBytes material;
  try {
    std::string sealed = store_.get(key.material_object);
    std::string_view ciphertext;
    Header h = parse_header(sealed, "object " + key.material_object, &ciphertext);
    // Material is wrapped by the root key only; anything else is forged.
    if (h.id != key.material_object || h.context != context || !h.kek.kms_address.empty())
      throw auth_failure(key.material_object);
    material = decrypt_object(h, ciphertext, context, root_key_);
  } catch (const Error& e) {
    throw Error("cannot unwrap " + key.kms_address + " version " + std::to_string(key.version) +
                ": " + e.what());
  }
  if (material.size() != kKeySize)
    throw Error("key material of " + key.kms_address + " version " + std::to_string(key.version) +
                " is not 32 bytes");
  material_cache_.emplace(key.material_object, material);
  return material;
}

SecretBytes decode_root_key(std::string_view base64_text) {
  static constexpr const char* kExpected = "root key must be 32 bytes of base64";
  SecretBytes raw;
  try {
    raw = decode_base64_secret(base64_text);
  } catch (const Error&) {
    throw Error(std::string(kExpected) + " (it is not valid base64)");
  }
  if (raw.size() != kKeySize)
    throw Error(std::string(kExpected) + " (got " + std::to_string(raw.size()) + " bytes)");
  return raw;
}

}  // namespace keyform
