#pragma once
// PKCS#12 (a .p12/.pfx bundle of a key, its certificate and chain) the way
// OpenSSL 3 writes it by default: key and certificates encrypted with
// PBES2 (AES-256-CBC, PBKDF2 with HMAC-SHA256) and a SHA-256 MAC, so
// `openssl pkcs12` opens it without -legacy and Java's and Windows' modern
// stores read it. Never the RC2/3DES/SHA-1 legacy algorithms.
#include <string>
#include <string_view>

#include "util/secret_bytes.h"

namespace keyform {

struct Pkcs12Input {
  const SecretBytes& private_key_pem;
  std::string_view certificate_pem;
  std::string_view chain_pem;  // issuers, nearest first; may be empty
  const SecretBytes& password;
  std::string friendly_name;  // shown by key stores; the source's address
};

// The DER encoding. Throws keyform::Error when an input does not parse or
// the key does not match the certificate.
SecretBytes encode_pkcs12(const Pkcs12Input& in);

// The PBKDF2 iteration count used for both the encryption and the MAC.
inline constexpr int kPkcs12Iterations = 100000;

}  // namespace keyform
