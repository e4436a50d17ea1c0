#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "state/keyring.h"
#include "util/encoding.h"
#include "util/error.h"

namespace keyform {

std::string compute_root_key_check(const SecretBytes& root_key) {
  static constexpr std::string_view kLabel = "keyform root key check";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), root_key.data(), static_cast<int>(root_key.size()),
            reinterpret_cast<const unsigned char*>(kLabel.data()), kLabel.size(), md, &len))
    throw Error("HMAC failed");
  return hex_encode(md, len);
}

}  // namespace keyform
