#pragma once
// `sealed:` values: encrypted on any machine to the project's seal key (an
// X25519 key pair whose public half is in the state) and opened only by
// apply, which holds the private half sealed under the root key.
//
// Format (docs/security.md): "keyform-sealed:v1:" + base64 of
//   key_id(8) || ephemeral_public(32) || iv(12) || ciphertext || tag(16)
// key_id: the first 8 bytes of SHA-256(recipient public key), so a value
// sealed to another project's key is named as such. The AES-256-GCM key is
// HKDF-SHA256(X25519(ephemeral, recipient), salt = ephemeral_public ||
// recipient_public, info = "keyform-sealed-v1"); the AAD is
// "keyform-sealed-v1" || key_id. A fresh ephemeral key per value: the same
// plaintext sealed twice gives unrelated text, and the text reveals only
// the plaintext's length.
#include <string>
#include <string_view>

#include "util/secret_bytes.h"

namespace keyform::secrets {

inline constexpr std::string_view kSealedPrefix = "keyform-sealed:v1:";
// The context the project's seal private key is sealed under (root key).
inline constexpr std::string_view kSealKeyContext = "keyform#seal-key";

struct SealKeyPair {
  std::string public_key;   // base64 of the raw 32-byte X25519 public key
  SecretBytes private_key;  // the raw 32-byte private key
};

SealKeyPair generate_seal_key();

// Seals `plaintext` to the base64 public key. Throws on a malformed key.
std::string seal_value(std::string_view public_key, const SecretBytes& plaintext);

// Opens a sealed value. Throws keyform::Error (never echoing the text) when
// it is malformed, sealed to another key, or modified.
SecretBytes open_sealed_value(std::string_view sealed, const SecretBytes& private_key);

}  // namespace keyform::secrets
