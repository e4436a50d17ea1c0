#include "providers/pki/x509.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <utility>

#include "providers/pki/crl.h"
#include "providers/pki/x509_detail.h"
#include "util/encoding.h"
#include "util/error.h"

namespace keyform::x509 {

// Shared with the other x509_*.cc files through x509_detail.h.
namespace detail {

using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using AsnIntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using AsnTimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;

// Throws with `what` and OpenSSL's reason (library error strings only: they
// never carry key bytes), and clears OpenSSL's error queue.
[[noreturn]] void fail(const std::string& what) {
  unsigned long code = ERR_peek_last_error();
  std::string msg = what;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    msg += " (" + std::string(buf) + ")";
  }
  ERR_clear_error();
  throw Error(msg);
}

void check(int ok, const char* what) {
  if (ok <= 0) fail(what);
}

template <typename T>
T* check_ptr(T* p, const char* what) {
  if (!p) fail(what);
  return p;
}

constexpr std::pair<KeyAlgorithm, std::string_view> kKeyAlgorithms[] = {
    {KeyAlgorithm::kEcP256, "EC_prime256v1"}, {KeyAlgorithm::kEcP384, "EC_secp384r1"},
    {KeyAlgorithm::kRsa2048, "RSA_2048"},     {KeyAlgorithm::kRsa3072, "RSA_3072"},
    {KeyAlgorithm::kRsa4096, "RSA_4096"},     {KeyAlgorithm::kEd25519, "ED25519"},
};
constexpr std::pair<Hash, std::string_view> kHashes[] = {
    {Hash::kSha256, "sha256"}, {Hash::kSha384, "sha384"}, {Hash::kSha512, "sha512"}};
constexpr std::pair<SigningAlgorithm, std::string_view> kSigningAlgorithms[] = {
    {{KeyFamily::kEc, Hash::kSha256}, "SHA256WITHECDSA"},
    {{KeyFamily::kEc, Hash::kSha384}, "SHA384WITHECDSA"},
    {{KeyFamily::kEc, Hash::kSha512}, "SHA512WITHECDSA"},
    {{KeyFamily::kRsa, Hash::kSha256}, "SHA256WITHRSA"},
    {{KeyFamily::kRsa, Hash::kSha384}, "SHA384WITHRSA"},
    {{KeyFamily::kRsa, Hash::kSha512}, "SHA512WITHRSA"},
    {{KeyFamily::kEd25519, Hash::kSha256}, "ED25519"},
};
constexpr std::pair<Template, std::string_view> kTemplates[] = {
    {Template::kEndEntity, "EndEntityCertificate"},
    {Template::kEndEntityServerAuth, "EndEntityServerAuthCertificate"},
    {Template::kEndEntityClientAuth, "EndEntityClientAuthCertificate"},
    {Template::kCodeSigning, "CodeSigningCertificate"},
    {Template::kOcspSigning, "OCSPSigningCertificate"},
};
constexpr std::pair<KeyEncoding, std::string_view> kEncodings[] = {{KeyEncoding::kPkcs8, "PKCS8"},
                                                                   {KeyEncoding::kPkcs1, "PKCS1"}};

template <typename E, size_t N>
std::optional<E> lookup(const std::pair<E, std::string_view> (&table)[N], std::string_view name) {
  for (const auto& [value, n] : table)
    if (n == name) return value;
  return std::nullopt;
}

const EVP_MD* digest_for(EVP_PKEY* signer, Hash hash) {
  if (EVP_PKEY_get_id(signer) == EVP_PKEY_ED25519) return nullptr;  // pure EdDSA
  switch (hash) {
    case Hash::kSha384:
      return EVP_sha384();
    case Hash::kSha512:
      return EVP_sha512();
    case Hash::kSha256:
      break;
  }
  return EVP_sha256();
}

NamePtr make_name(const Subject& s) {
  NamePtr name(check_ptr(X509_NAME_new(), "cannot allocate a name"));
  const std::pair<const char*, const std::string*> fields[] = {
      {"C", &s.country},
      {"ST", &s.state},
      {"L", &s.locality},
      {"O", &s.organization},
      {"OU", &s.organizational_unit},
      {"CN", &s.common_name},
  };
  for (const auto& [field, value] : fields) {
    if (value->empty()) continue;
    if (X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value->data()),
                                   static_cast<int>(value->size()), -1, 0) != 1)
      fail(std::string("invalid subject ") + field + " \"" + *value + "\"");
  }
  return name;
}

void set_random_serial(X509* cert) {
  // 128 random bits with the top bit set: always 16 bytes, always positive.
  BignumPtr bn(check_ptr(BN_new(), "cannot allocate a serial"));
  check(BN_rand(bn.get(), 128, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY), "cannot draw a serial");
  AsnIntPtr serial(check_ptr(BN_to_ASN1_INTEGER(bn.get(), nullptr), "cannot encode a serial"));
  check(X509_set_serialNumber(cert, serial.get()), "cannot set the serial");
}

// A v3 certificate with a serial, validity, subject, issuer and public key.
CertPtr start_certificate(const Subject& subject, X509_NAME* issuer, EVP_PKEY* public_key,
                          const Validity& v) {
  CertPtr cert(check_ptr(X509_new(), "cannot allocate a certificate"));
  check(X509_set_version(cert.get(), X509_VERSION_3), "cannot set the version");
  set_random_serial(cert.get());
  NamePtr name = make_name(subject);
  check(X509_set_subject_name(cert.get(), name.get()), "cannot set the subject");
  check(X509_set_issuer_name(cert.get(), issuer ? issuer : name.get()), "cannot set the issuer");
  if (!ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(v.not_before)) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                     static_cast<time_t>(v.not_before + v.lifetime)))
    fail("cannot set the validity");
  check(X509_set_pubkey(cert.get(), public_key), "cannot set the public key");
  return cert;
}

// Adds an extension in openssl.cnf syntax ("critical,CA:TRUE").
void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext) fail(std::string("cannot build the ") + OBJ_nid2sn(nid) + " extension");
  check(X509_add_ext(cert, ext.get(), -1), "cannot add an extension");
}

void add_name(GENERAL_NAMES* names, int type, const std::string& value) {
  GENERAL_NAME* gn = check_ptr(GENERAL_NAME_new(), "cannot allocate a name");
  ASN1_IA5STRING* s = ASN1_IA5STRING_new();
  if (!s || !ASN1_STRING_set(s, value.data(), static_cast<int>(value.size()))) {
    ASN1_IA5STRING_free(s);
    GENERAL_NAME_free(gn);
    fail("cannot encode \"" + value + "\"");
  }
  GENERAL_NAME_set0_value(gn, type, s);
  sk_GENERAL_NAME_push(names, gn);
}

void add_ip(GENERAL_NAMES* names, const std::string& ip) {
  ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
  if (!octets) fail("\"" + ip + "\" is not an IP address");
  GENERAL_NAME* gn = GENERAL_NAME_new();
  if (!gn) {
    ASN1_OCTET_STRING_free(octets);
    fail("cannot allocate a name");
  }
  GENERAL_NAME_set0_value(gn, GEN_IPADD, octets);
  sk_GENERAL_NAME_push(names, gn);
}

void add_subject_alt_names(X509* cert, const LeafRequest& req, bool critical) {
  NamesPtr names(check_ptr(GENERAL_NAMES_new(), "cannot allocate names"));
  for (const auto& n : req.dns_names) add_name(names.get(), GEN_DNS, n);
  for (const auto& ip : req.ip_addresses) add_ip(names.get(), ip);
  for (const auto& u : req.uris) add_name(names.get(), GEN_URI, u);
  for (const auto& e : req.emails) add_name(names.get(), GEN_EMAIL, e);
  if (sk_GENERAL_NAME_num(names.get()) == 0) return;
  check(X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), critical ? 1 : 0,
                          X509V3_ADD_DEFAULT),
        "cannot add the subjectAltName extension");
}

std::string_view extended_key_usage(Template t) {
  switch (t) {
    case Template::kEndEntityServerAuth:
      return "serverAuth";
    case Template::kEndEntityClientAuth:
      return "clientAuth";
    case Template::kCodeSigning:
      return "codeSigning";
    case Template::kOcspSigning:
      return "OCSPSigning";
    case Template::kEndEntity:
      break;
  }
  return "serverAuth,clientAuth";
}

UnixTime unix_time(const ASN1_TIME* t) {
  AsnTimePtr epoch(check_ptr(ASN1_TIME_set(nullptr, 0), "cannot allocate a time"));
  int days = 0, secs = 0;
  check(ASN1_TIME_diff(&days, &secs, epoch.get(), t), "invalid certificate time");
  return static_cast<UnixTime>(days) * 86400 + secs;
}

BioPtr memory_bio() { return BioPtr(check_ptr(BIO_new(BIO_s_mem()), "cannot allocate a buffer")); }

}  // namespace detail

using namespace detail;

std::optional<KeyAlgorithm> key_algorithm_from_name(std::string_view name) {
  return lookup(kKeyAlgorithms, name);
}

KeyFamily key_family(KeyAlgorithm a) {
  switch (a) {
    case KeyAlgorithm::kEcP256:
    case KeyAlgorithm::kEcP384:
      return KeyFamily::kEc;
    case KeyAlgorithm::kEd25519:
      return KeyFamily::kEd25519;
    default:
      return KeyFamily::kRsa;
  }
}

std::string_view family_name(KeyFamily f) {
  switch (f) {
    case KeyFamily::kEc:
      return "EC";
    case KeyFamily::kRsa:
      return "RSA";
    case KeyFamily::kEd25519:
      break;
  }
  return "ED25519";
}

std::optional<Hash> hash_from_name(std::string_view name) { return lookup(kHashes, name); }

std::optional<SigningAlgorithm> signing_algorithm_from_name(std::string_view name) {
  return lookup(kSigningAlgorithms, name);
}

std::optional<Template> template_from_name(std::string_view name) {
  return lookup(kTemplates, name);
}

std::optional<KeyEncoding> key_encoding_from_name(std::string_view name) {
  return lookup(kEncodings, name);
}

PkeyPtr generate_key(KeyAlgorithm a) {
  EVP_PKEY* key = nullptr;
  switch (a) {
    case KeyAlgorithm::kEcP256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyAlgorithm::kEcP384:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyAlgorithm::kRsa2048:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
    case KeyAlgorithm::kRsa3072:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072});
      break;
    case KeyAlgorithm::kRsa4096:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096});
      break;
    case KeyAlgorithm::kEd25519:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  return PkeyPtr(check_ptr(key, "cannot generate a key"));
}

SecretBytes private_key_to_pem(EVP_PKEY* key, KeyEncoding encoding) {
  // A secure-heap buffer: freed with its contents cleansed.
  BioPtr bio(check_ptr(BIO_new(BIO_s_secmem()), "cannot allocate a buffer"));
  int ok;
  if (encoding == KeyEncoding::kPkcs1) {
    if (EVP_PKEY_get_id(key) == EVP_PKEY_ED25519)
      throw Error("an ED25519 key has no PKCS1 encoding: use PKCS8");
    ok =
        PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    ok = PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  check(ok, "cannot encode the private key");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return SecretBytes(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(n));
}

PkeyPtr private_key_from_pem(const SecretBytes& pem) {
  BioPtr bio(check_ptr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                       "cannot allocate a buffer"));
  // No passphrase: an encrypted key fails instead of prompting on a terminal.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return -1; };
  return PkeyPtr(check_ptr(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr),
                           "cannot read the private key"));
}

std::string certificate_to_pem(X509* cert) {
  BioPtr bio = memory_bio();
  check(PEM_write_bio_X509(bio.get(), cert), "cannot encode the certificate");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

CertPtr certificate_from_pem(std::string_view pem) {
  BioPtr bio(check_ptr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                       "cannot allocate a buffer"));
  return CertPtr(check_ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                           "cannot read the certificate"));
}

CertPtr make_root_ca(const RootCaRequest& req) {
  CertPtr cert = start_certificate(req.subject, nullptr, req.key, req.validity);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  add_ca_profile(cert.get(), &ctx, req.path_length, req.name_constraints);
  if (X509_sign(cert.get(), req.key, digest_for(req.key, req.hash)) <= 0)
    fail("cannot sign the CA certificate");
  return cert;
}

CertPtr issue_certificate(const LeafRequest& req, X509* issuer_cert, EVP_PKEY* issuer_key) {
  CertPtr cert = start_certificate(req.subject, X509_get_subject_name(issuer_cert), req.public_key,
                                   req.validity);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert, cert.get(), nullptr, nullptr, 0);
  add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  std::string usage = "critical,digitalSignature";
  bool tls = req.tmpl == Template::kEndEntity || req.tmpl == Template::kEndEntityServerAuth ||
             req.tmpl == Template::kEndEntityClientAuth;
  if (tls && EVP_PKEY_get_base_id(req.public_key) == EVP_PKEY_RSA) usage += ",keyEncipherment";
  add_ext(cert.get(), &ctx, NID_key_usage, usage);
  add_ext(cert.get(), &ctx, NID_ext_key_usage, std::string(extended_key_usage(req.tmpl)));
  bool empty_subject = X509_NAME_entry_count(X509_get_subject_name(cert.get())) == 0;
  add_subject_alt_names(cert.get(), req, empty_subject);
  add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (!req.crl_distribution_point.empty())
    add_crl_distribution_point(cert.get(), req.crl_distribution_point);
  if (X509_sign(cert.get(), issuer_key, digest_for(issuer_key, req.hash)) <= 0)
    fail("cannot sign the certificate");
  return cert;
}

std::string fingerprint_sha256(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  check(X509_digest(cert, EVP_sha256(), md, &n), "cannot hash the certificate");
  return hex_encode(md, n);
}

std::string public_key_sha256(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  check(X509_pubkey_digest(cert, EVP_sha256(), md, &n), "cannot hash the public key");
  return hex_encode(md, n);
}

std::string serial_hex(X509* cert) {
  BignumPtr bn(check_ptr(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr),
                         "cannot read the serial"));
  std::vector<uint8_t> bytes(static_cast<size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), bytes.data());
  return hex_encode(bytes.data(), bytes.size());
}

UnixTime not_before(X509* cert) { return unix_time(X509_get0_notBefore(cert)); }
UnixTime not_after(X509* cert) { return unix_time(X509_get0_notAfter(cert)); }

std::string subject_line(X509* cert) {
  BioPtr bio = memory_bio();
  check(X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0,
        "cannot print the subject");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

bool key_matches_certificate(EVP_PKEY* key, X509* cert) {
  EVP_PKEY* pub = X509_get0_pubkey(cert);
  bool match = pub && EVP_PKEY_eq(pub, key) == 1;
  ERR_clear_error();
  return match;
}

}  // namespace keyform::x509
