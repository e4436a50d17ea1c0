#include "providers/pki/pkcs12.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <memory>

#include "providers/pki/x509.h"
#include "util/error.h"

namespace keyform {

namespace {

struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using CertStack = std::unique_ptr<STACK_OF(X509), StackFree>;

CertStack certificates_from_pem(std::string_view pem) {
  CertStack out(sk_X509_new_null());
  std::unique_ptr<BIO, decltype(&::BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), ::BIO_free);
  if (!out || !bio) throw Error("out of memory");
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (!sk_X509_push(out.get(), c)) {
      X509_free(c);
      throw Error("out of memory");
    }
  }
  ERR_clear_error();  // the end of the input reads as an error
  return out;
}

}  // namespace

SecretBytes encode_pkcs12(const Pkcs12Input& in) {
  x509::PkeyPtr key = x509::private_key_from_pem(in.private_key_pem);
  x509::CertPtr cert = x509::certificate_from_pem(in.certificate_pem);
  if (!x509::key_matches_certificate(key.get(), cert.get()))
    throw Error("the private key does not match the certificate");
  CertStack chain = certificates_from_pem(in.chain_pem);
  // OpenSSL wants a NUL-terminated password; this copy is cleansed too.
  SecretBytes password(in.password.size() + 1);
  std::copy(in.password.data(), in.password.data() + in.password.size(), password.data());
  password.data()[in.password.size()] = 0;
  const char* pass = reinterpret_cast<const char*>(password.data());

  // mac_iter -1: no MAC here; the SHA-256 one is set below (the default
  // would be SHA-1).
  std::unique_ptr<PKCS12, decltype(&::PKCS12_free)> p12(
      PKCS12_create_ex(pass, in.friendly_name.empty() ? nullptr : in.friendly_name.c_str(),
                       key.get(), cert.get(), chain.get(), NID_aes_256_cbc, NID_aes_256_cbc,
                       kPkcs12Iterations, -1, 0, nullptr, nullptr),
      ::PKCS12_free);
  if (!p12) throw Error("cannot build the PKCS#12 bundle");
  if (!PKCS12_set_mac(p12.get(), pass, -1, nullptr, 0, kPkcs12Iterations, EVP_sha256()))
    throw Error("cannot set the PKCS#12 MAC");
  unsigned char* der = nullptr;
  int n = i2d_PKCS12(p12.get(), &der);
  if (n <= 0) throw Error("cannot encode the PKCS#12 bundle");
  SecretBytes out(der, static_cast<size_t>(n));
  OPENSSL_clear_free(der, static_cast<size_t>(n));
  return out;
}

}  // namespace keyform
