#include "util/encoding.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>

#include "util/error.h"
#include "util/secret_bytes.h"

namespace keyform {

std::string hex_encode(const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

std::string hex_colons(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() * 3 / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i) out += ':';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    if (i + 1 < hex.size())
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1])));
  }
  return out;
}

std::string base64_encode(const uint8_t* p, size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

std::vector<uint8_t> base64_decode(std::string_view s) {
  // One decoder for public and secret data; public data needs no cleansing,
  // but gets it for free.
  const SecretBytes decoded = decode_base64_secret(s);
  return std::vector<uint8_t>(decoded.data(), decoded.data() + decoded.size());
}

std::string sha256_hex(std::string_view data) {
  // The one-shot SHA256(): EVP_Digest() fetches the algorithm on every call,
  // which dominated no-op plans of 10,000 resources.
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return hex_encode(md, sizeof md);
}

namespace {
std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
}  // namespace

uint32_t crc32c(const uint8_t* p, size_t n, uint32_t init) {
  static const std::array<uint32_t, 256> table = make_crc_table();
  uint32_t c = ~init;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}

}  // namespace keyform
