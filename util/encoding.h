#pragma once
// Hex, base64 and digests of public data.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keyform {

std::string hex_encode(const uint8_t* p, size_t n);
inline std::string hex_encode(std::string_view s) {
  return hex_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
// Colon-separated upper-case hex, as certificate tools print fingerprints.
std::string hex_colons(std::string_view hex);

std::string base64_encode(const uint8_t* p, size_t n);
inline std::string base64_encode(std::string_view s) {
  return base64_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
// Throws keyform::Error on malformed input. Whitespace is ignored.
std::vector<uint8_t> base64_decode(std::string_view s);

// SHA-256 of data, as lower-case hex.
std::string sha256_hex(std::string_view data);

// CRC-32C (Castagnoli), as LevelDB uses for its log records.
uint32_t crc32c(const uint8_t* p, size_t n, uint32_t init = 0);

}  // namespace keyform
