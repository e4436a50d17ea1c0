#include "util/secret_bytes.h"

#include <openssl/crypto.h>

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

}  // namespace keyform
