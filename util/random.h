#pragma once
// Randomness from the OS CSPRNG (OpenSSL's RAND_bytes).
#include <string>

#include "util/secret_bytes.h"

namespace keyform {

SecretBytes random_secret(size_t n);
// A random identifier of `bytes` bytes, as lower-case hex.
std::string random_id(size_t bytes = 16);

}  // namespace keyform
