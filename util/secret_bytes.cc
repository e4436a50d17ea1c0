#include "util/secret_bytes.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>

#include "util/error.h"

namespace keyform {

void SecretBytes::cleanse() {
  if (!data_.empty()) OPENSSL_cleanse(data_.data(), data_.size());
}

void SecretBytes::resize(size_t n) {
  if (n < data_.size()) OPENSSL_cleanse(data_.data() + n, data_.size() - n);
  // Growing may reallocate: copy into fresh storage and cleanse the old one.
  if (n > data_.capacity()) {
    std::vector<uint8_t> bigger(n);
    std::copy(data_.begin(), data_.end(), bigger.begin());
    cleanse();
    data_.swap(bigger);
    return;
  }
  data_.resize(n);
}

SecretBytes decode_base64_secret(std::string_view text) {
  SecretBytes clean(text.size());
  size_t n = 0;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) clean.data()[n++] = static_cast<uint8_t>(c);
  clean.resize(n);
  if (n % 4 != 0) throw Error("malformed base64: length is not a multiple of 4");
  size_t pad = 0;
  if (n >= 1 && clean.data()[n - 1] == '=') ++pad;
  if (n >= 2 && clean.data()[n - 2] == '=') ++pad;
  SecretBytes raw(n / 4 * 3);
  const int len = n ? EVP_DecodeBlock(raw.data(), clean.data(), static_cast<int>(n)) : 0;
  if (len < 0) throw Error("malformed base64");
  raw.resize(static_cast<size_t>(len) - pad);
  return raw;
}

SecretBytes take_base64_secret(std::string& text) {
  struct Cleanse {
    std::string& s;
    ~Cleanse() { OPENSSL_cleanse(s.data(), s.size()); }
  } cleanse{text};
  return decode_base64_secret(text);
}

}  // namespace keyform
