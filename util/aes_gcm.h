#pragma once
// AES-256-GCM with a 12-byte iv and a 16-byte tag appended to the
// ciphertext: the one authenticated cipher keyform uses (sealed objects,
// wrapped data keys, `keyform seal` values).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/secret_bytes.h"

namespace keyform {

inline constexpr size_t kAesKeySize = 32;
inline constexpr size_t kGcmIvSize = 12;
inline constexpr size_t kGcmTagSize = 16;

// Returns ciphertext || tag. Throws keyform::Error if OpenSSL fails.
std::string aes_gcm_encrypt(const SecretBytes& key, const uint8_t* iv, std::string_view aad,
                            const uint8_t* plaintext, size_t n);
// `sealed` is ciphertext || tag. Returns false (and leaves `plaintext`
// empty) when the tag does not verify.
bool aes_gcm_decrypt(const SecretBytes& key, const uint8_t* iv, std::string_view aad,
                     std::string_view sealed, SecretBytes& plaintext);

}  // namespace keyform
