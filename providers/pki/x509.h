#pragma once
// A small RAII layer over OpenSSL 3 for what keyform's PKI needs: keys of six
// algorithms, PEM in and out, self-signed roots, leaf certificates, and the
// public facts recorded about a certificate.
//
// Times are always passed in (the caller's Clock, so KEYFORM_NOW applies);
// nothing here reads the system clock. Error messages never contain key
// bytes.
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/secret_bytes.h"
#include "util/time.h"

namespace keyform::x509 {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

enum class KeyAlgorithm { kEcP256, kEcP384, kRsa2048, kRsa3072, kRsa4096, kEd25519 };
enum class KeyFamily { kEc, kRsa, kEd25519 };
enum class Hash { kSha256, kSha384, kSha512 };

// "EC_prime256v1", "RSA_2048", "ED25519", ... as the schema spells them.
std::optional<KeyAlgorithm> key_algorithm_from_name(std::string_view name);
KeyFamily key_family(KeyAlgorithm a);
std::string_view family_name(KeyFamily f);  // "EC", "RSA", "ED25519"
// "sha256", "sha384", "sha512".
std::optional<Hash> hash_from_name(std::string_view name);

// A CA's signingAlgorithm ("SHA384WITHECDSA", "ED25519"): the key family it
// needs and its hash (the hash is unused for ED25519).
struct SigningAlgorithm {
  KeyFamily family;
  Hash hash;
};
std::optional<SigningAlgorithm> signing_algorithm_from_name(std::string_view name);

enum class Template {
  kEndEntity,            // serverAuth + clientAuth
  kEndEntityServerAuth,  // serverAuth
  kEndEntityClientAuth,  // clientAuth
  kCodeSigning,
  kOcspSigning,
};
std::optional<Template> template_from_name(std::string_view name);

enum class KeyEncoding { kPkcs8, kPkcs1 };  // PKCS1: "traditional" (SEC1 for EC)
std::optional<KeyEncoding> key_encoding_from_name(std::string_view name);

PkeyPtr generate_key(KeyAlgorithm a);
// Throws keyform::Error for PKCS1 with an ED25519 key (it has no such form).
SecretBytes private_key_to_pem(EVP_PKEY* key, KeyEncoding encoding);
// Reads PKCS#8 or traditional PEM.
PkeyPtr private_key_from_pem(const SecretBytes& pem);
std::string certificate_to_pem(X509* cert);
CertPtr certificate_from_pem(std::string_view pem);

struct Subject {
  std::string common_name;
  std::string organization;
  std::string organizational_unit;
  std::string country;
  std::string state;
  std::string locality;
};

struct Validity {
  UnixTime not_before = 0;
  Seconds lifetime = 0;  // notAfter = not_before + lifetime
};

// A CA certificate's NameConstraints extension (RFC 5280 4.2.1.10),
// critical: permitted subtrees per name type; none when empty().
struct NameConstraints {
  std::vector<std::string> dns;    // "example.com": it and below
  std::vector<std::string> email;  // "example.com" (any mailbox there) or "user@example.com"
  std::vector<std::string> uri;    // a host, or ".example.com" for any host below
  std::vector<std::string> ip;     // address bytes then mask bytes (8 or 32)
  bool exclude_all_ip = false;     // no IP addresses at all (excluded 0.0.0.0/0, ::/0)
  bool empty() const {
    return dns.empty() && email.empty() && uri.empty() && ip.empty() && !exclude_all_ip;
  }
};

struct RootCaRequest {
  Subject subject;
  EVP_PKEY* key = nullptr;  // signs itself
  Hash hash = Hash::kSha256;
  std::optional<int> path_length;
  Validity validity;
  NameConstraints name_constraints;
};
// Self-signed: basicConstraints critical CA:TRUE (pathlen if set); keyUsage
// critical keyCertSign, cRLSign, digitalSignature; SKI; AKI keyid.
CertPtr make_root_ca(const RootCaRequest& req);

struct LeafRequest {
  Template tmpl = Template::kEndEntity;
  Subject subject;  // may be empty; the SAN is then critical (RFC 5280)
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // v4 or v6 text
  std::vector<std::string> uris;
  std::vector<std::string> emails;
  EVP_PKEY* public_key = nullptr;  // the leaf's key
  Hash hash = Hash::kSha256;       // ignored when the issuer key is ED25519
  Validity validity;
  // The issuer's crl.distributionPoint, or empty for no CRL Distribution
  // Points extension (crl.h).
  std::string crl_distribution_point;
};
// Signed by issuer_key, named after issuer_cert; CA:FALSE, keyUsage and EKU
// per template, SAN, SKI, AKI from the issuer.
CertPtr issue_certificate(const LeafRequest& req, X509* issuer_cert, EVP_PKEY* issuer_key);

std::string fingerprint_sha256(X509* cert);  // lower-case hex
// SHA-256 of the certificate's SubjectPublicKeyInfo (DER), lower-case hex:
// the same across renewals that keep the key.
std::string public_key_sha256(X509* cert);
std::string serial_hex(X509* cert);  // lower-case hex
UnixTime not_before(X509* cert);
UnixTime not_after(X509* cert);
std::string subject_line(X509* cert);  // RFC 2253: "CN=root,O=Example"
bool key_matches_certificate(EVP_PKEY* key, X509* cert);

}  // namespace keyform::x509
