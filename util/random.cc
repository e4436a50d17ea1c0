#include "util/random.h"

#include <openssl/rand.h>

#include <vector>

#include "util/encoding.h"
#include "util/error.h"

namespace keyform {

SecretBytes random_secret(size_t n) {
  SecretBytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1)
    throw Error("the OS random generator failed");
  return out;
}

std::string random_id(size_t bytes) {
  std::vector<uint8_t> b(bytes);
  if (RAND_bytes(b.data(), static_cast<int>(bytes)) != 1)
    throw Error("the OS random generator failed");
  return hex_encode(b.data(), b.size());
}

}  // namespace keyform
