#include "providers/secrets/sealed_value.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

#include "util/aes_gcm.h"
#include "util/encoding.h"
#include "util/error.h"
#include "util/random.h"

namespace keyform::secrets {

namespace {

constexpr size_t kKeyIdSize = 8;
constexpr size_t kPublicSize = 32;
constexpr std::string_view kInfo = "keyform-sealed-v1";

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey private_from_raw(const SecretBytes& raw) {
  Pkey k(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, raw.data(), raw.size()));
  if (!k) throw Error("the seal private key is not an X25519 key");
  return k;
}

std::string raw_public(EVP_PKEY* k) {
  std::string out(kPublicSize, '\0');
  size_t n = out.size();
  if (EVP_PKEY_get_raw_public_key(k, reinterpret_cast<unsigned char*>(out.data()), &n) != 1 ||
      n != kPublicSize)
    throw Error("cannot read an X25519 public key");
  return out;
}

std::string key_id(std::string_view recipient_public) {
  std::string hex = sha256_hex(recipient_public);
  std::string id;
  for (size_t i = 0; i < kKeyIdSize; ++i)
    id += static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return id;
}

// X25519 then HKDF-SHA256 into an AES-256 key.
SecretBytes shared_key(EVP_PKEY* own, EVP_PKEY* peer, std::string_view ephemeral_public,
                       std::string_view recipient_public) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(own, nullptr),
                                                                  EVP_PKEY_CTX_free);
  SecretBytes shared(32);
  size_t n = shared.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), shared.data(), &n) != 1 || n != 32)
    throw Error("X25519 key agreement failed");
  std::string salt = std::string(ephemeral_public) + std::string(recipient_public);
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> kctx(EVP_KDF_CTX_new(kdf),
                                                                 EVP_KDF_CTX_free);
  EVP_KDF_free(kdf);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, shared.data(), shared.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kInfo.data()),
                                        kInfo.size()),
      OSSL_PARAM_construct_end()};
  SecretBytes key(kAesKeySize);
  if (!kctx || EVP_KDF_derive(kctx.get(), key.data(), key.size(), params) != 1)
    throw Error("HKDF-SHA256 failed");
  return key;
}

std::string aad_for(std::string_view id) { return std::string(kInfo) + std::string(id); }

}  // namespace

SealKeyPair generate_seal_key() {
  SealKeyPair pair;
  pair.private_key = random_secret(32);
  Pkey k = private_from_raw(pair.private_key);
  pair.public_key = base64_encode(raw_public(k.get()));
  return pair;
}

std::string seal_value(std::string_view public_key, const SecretBytes& plaintext) {
  std::vector<uint8_t> recipient_raw;
  try {
    recipient_raw = base64_decode(public_key);
  } catch (const Error&) {
  }
  if (recipient_raw.size() != kPublicSize)
    throw Error("the project's seal public key in the state is malformed");
  Pkey recipient(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, recipient_raw.data(),
                                             recipient_raw.size()));
  if (!recipient) throw Error("the project's seal public key in the state is malformed");
  std::string recipient_public(recipient_raw.begin(), recipient_raw.end());
  SecretBytes ephemeral_raw = random_secret(32);
  Pkey ephemeral = private_from_raw(ephemeral_raw);
  std::string ephemeral_public = raw_public(ephemeral.get());
  SecretBytes key =
      shared_key(ephemeral.get(), recipient.get(), ephemeral_public, recipient_public);
  SecretBytes iv = random_secret(kGcmIvSize);
  std::string id = key_id(recipient_public);
  std::string blob = id + ephemeral_public + std::string(iv.view());
  blob += aes_gcm_encrypt(key, iv.data(), aad_for(id), plaintext.data(), plaintext.size());
  return std::string(kSealedPrefix) + base64_encode(blob);
}

SecretBytes open_sealed_value(std::string_view sealed, const SecretBytes& private_key) {
  const Error malformed("the sealed value is malformed: expected the output of keyform seal");
  if (!sealed.starts_with(kSealedPrefix)) throw malformed;
  std::vector<uint8_t> blob;
  try {
    blob = base64_decode(sealed.substr(kSealedPrefix.size()));
  } catch (const Error&) {
    throw malformed;
  }
  if (blob.size() < kKeyIdSize + kPublicSize + kGcmIvSize + kGcmTagSize) throw malformed;
  std::string_view b(reinterpret_cast<const char*>(blob.data()), blob.size());
  std::string_view id = b.substr(0, kKeyIdSize);
  std::string_view ephemeral_public = b.substr(kKeyIdSize, kPublicSize);
  const auto* iv = blob.data() + kKeyIdSize + kPublicSize;
  std::string_view ciphertext = b.substr(kKeyIdSize + kPublicSize + kGcmIvSize);

  Pkey own = private_from_raw(private_key);
  std::string recipient_public = raw_public(own.get());
  if (key_id(recipient_public) != id)
    throw Error(
        "the sealed value was sealed to another seal key (another project's, or one "
        "that was replaced): seal it again with keyform seal in this project");
  Pkey peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr,
                                        reinterpret_cast<const uint8_t*>(ephemeral_public.data()),
                                        ephemeral_public.size()));
  if (!peer) throw malformed;
  SecretBytes key = shared_key(own.get(), peer.get(), ephemeral_public, recipient_public);
  SecretBytes plaintext;
  if (!aes_gcm_decrypt(key, iv, aad_for(id), ciphertext, plaintext))
    throw Error("the sealed value failed authentication: it was modified after keyform seal");
  return plaintext;
}

}  // namespace keyform::secrets
