#include "util/aes_gcm.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "util/error.h"

namespace keyform {

namespace {

// AES-256-GCM, fetched once: EVP_aes_256_gcm() makes every init look the
// algorithm up again under OpenSSL's provider lock, which dominated opening
// 10,000 objects on two threads.
const EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (!cipher) throw Error("AES-256-GCM is not available from OpenSSL");
  return cipher;
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

CipherCtx new_ctx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw Error("cannot allocate a cipher context");
  return ctx;
}

}  // namespace

// AES-256-GCM; returns ciphertext || tag.
std::string aes_gcm_encrypt(const SecretBytes& key, const uint8_t* iv, std::string_view aad,
                            const uint8_t* plaintext, size_t n) {
  CipherCtx ctx = new_ctx();
  std::string out(n + kGcmTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0, fin = 0;
  if (EVP_EncryptInit_ex(ctx.get(), aes_256_gcm(), nullptr, key.data(), iv) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      (n > 0 && EVP_EncryptUpdate(ctx.get(), o, &len, plaintext, static_cast<int>(n)) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), o + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize, o + n) != 1)
    throw Error("AES-256-GCM encryption failed");
  return out;
}

// AES-256-GCM; `sealed` is ciphertext || tag. Returns false when the tag does
// not verify.
bool aes_gcm_decrypt(const SecretBytes& key, const uint8_t* iv, std::string_view aad,
                     std::string_view sealed, SecretBytes& plaintext) {
  if (sealed.size() < kGcmTagSize) return false;
  size_t n = sealed.size() - kGcmTagSize;
  CipherCtx ctx = new_ctx();
  plaintext = SecretBytes(n);
  auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  unsigned char tag[kGcmTagSize];
  std::copy(in + n, in + n + kGcmTagSize, tag);
  int len = 0, fin = 0;
  // A zero-length payload still needs a valid output pointer.
  unsigned char empty = 0;
  unsigned char* out = n ? plaintext.data() : &empty;
  if (EVP_DecryptInit_ex(ctx.get(), aes_256_gcm(), nullptr, key.data(), iv) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out, &len, in, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out + len, &fin) != 1) {
    plaintext.cleanse();
    plaintext = SecretBytes();
    return false;
  }
  return true;
}

}  // namespace keyform
