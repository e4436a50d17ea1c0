#pragma once
// Memory that holds key material or secret values. It is cleansed with
// OPENSSL_cleanse when released, and never printed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keyform {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : data_(n) {}
  SecretBytes(const uint8_t* p, size_t n) : data_(p, p + n) {}
  explicit SecretBytes(std::string_view s)
      : data_(reinterpret_cast<const uint8_t*>(s.data()),
              reinterpret_cast<const uint8_t*>(s.data()) + s.size()) {}
  SecretBytes(const SecretBytes&) = default;
  SecretBytes& operator=(const SecretBytes& o) {
    if (this != &o) {
      cleanse();
      data_ = o.data_;
    }
    return *this;
  }
  SecretBytes(SecretBytes&& o) noexcept : data_(std::move(o.data_)) {}
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      cleanse();
      data_ = std::move(o.data_);
    }
    return *this;
  }
  ~SecretBytes() { cleanse(); }

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  void resize(size_t n);
  std::string_view view() const {
    return {reinterpret_cast<const char*>(data_.data()), data_.size()};
  }
  void cleanse();

 private:
  std::vector<uint8_t> data_;
};

// Decodes base64 (whitespace ignored) that holds secret material: the
// intermediate copies are cleansed, so only the result holds the value.
// Throws keyform::Error ("malformed base64"), which says nothing of it.
SecretBytes decode_base64_secret(std::string_view text);
// The same, and cleanses `text` afterwards (also when it throws): for a
// value taken out of a parsed answer, which keeps no copy then.
SecretBytes take_base64_secret(std::string& text);

}  // namespace keyform
