#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "providers/pki/x509.h"
#include "util/error.h"

namespace keyform::x509 {
namespace {

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
constexpr Seconds kDay = 86400;

CertPtr make_ca(EVP_PKEY* key, std::optional<int> path_length = std::nullopt) {
  RootCaRequest req;
  req.subject.common_name = "Test Root";
  req.subject.organization = "Example";
  req.key = key;
  req.path_length = path_length;
  req.validity = {kNow, 3650 * kDay};
  return make_root_ca(req);
}

LeafRequest leaf_request(EVP_PKEY* key) {
  LeafRequest req;
  req.tmpl = Template::kEndEntityServerAuth;
  req.subject.common_name = "web.example.com";
  req.dns_names = {"web.example.com", "*.web.example.com"};
  req.ip_addresses = {"192.0.2.7", "2001:db8::1"};
  req.uris = {"spiffe://example.com/web"};
  req.emails = {"ops@example.com"};
  req.public_key = key;
  req.validity = {kNow, 90 * kDay};
  return req;
}

// X509_verify_cert of leaf against ca as the only trust anchor, strict.
int verify(X509* ca, X509* leaf, UnixTime at) {
  std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca);
  std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_X509_STRICT);
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(at));
  if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
  return X509_STORE_CTX_get_error(ctx.get());
}

bool critical(X509* cert, int nid) {
  int i = X509_get_ext_by_NID(cert, nid, -1);
  return i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, i)) == 1;
}

class EveryAlgorithm : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(EveryAlgorithm, GeneratesAKeyAndAVerifyingChain) {
  PkeyPtr ca_key = generate_key(GetParam());
  PkeyPtr leaf_key = generate_key(GetParam());
  CertPtr ca = make_ca(ca_key.get());
  CertPtr leaf = issue_certificate(leaf_request(leaf_key.get()), ca.get(), ca_key.get());

  EXPECT_EQ(verify(ca.get(), leaf.get(), kNow + kDay), X509_V_OK);
  EXPECT_EQ(verify(ca.get(), leaf.get(), kNow + 91 * kDay), X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_TRUE(key_matches_certificate(leaf_key.get(), leaf.get()));
  EXPECT_FALSE(key_matches_certificate(ca_key.get(), leaf.get()));

  // The key survives its PEM round trip.
  PkeyPtr back = private_key_from_pem(private_key_to_pem(leaf_key.get(), KeyEncoding::kPkcs8));
  EXPECT_TRUE(key_matches_certificate(back.get(), leaf.get()));
}

INSTANTIATE_TEST_SUITE_P(X509, EveryAlgorithm,
                         ::testing::Values(KeyAlgorithm::kEcP256, KeyAlgorithm::kEcP384,
                                           KeyAlgorithm::kRsa2048, KeyAlgorithm::kRsa3072,
                                           KeyAlgorithm::kRsa4096, KeyAlgorithm::kEd25519));

TEST(X509, RootCaExtensions) {
  PkeyPtr key = generate_key(KeyAlgorithm::kEcP256);
  CertPtr ca = make_ca(key.get(), 1);
  EXPECT_TRUE(critical(ca.get(), NID_basic_constraints));
  EXPECT_TRUE(critical(ca.get(), NID_key_usage));
  EXPECT_EQ(X509_get_pathlen(ca.get()), 1);
  EXPECT_NE(X509_get_extension_flags(ca.get()) & EXFLAG_CA, 0u);
  EXPECT_EQ(X509_get_key_usage(ca.get()), KU_KEY_CERT_SIGN | KU_CRL_SIGN | KU_DIGITAL_SIGNATURE);
  ASSERT_NE(X509_get0_subject_key_id(ca.get()), nullptr);
  ASSERT_NE(X509_get0_authority_key_id(ca.get()), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(ca.get()),
                                  X509_get0_authority_key_id(ca.get())),
            0);
  EXPECT_EQ(subject_line(ca.get()), "CN=Test Root,O=Example");
  EXPECT_EQ(not_before(ca.get()), kNow);
  EXPECT_EQ(not_after(ca.get()), kNow + 3650 * kDay);
}

TEST(X509, LeafExtensions) {
  PkeyPtr ca_key = generate_key(KeyAlgorithm::kEcP256);
  PkeyPtr key = generate_key(KeyAlgorithm::kEcP256);
  CertPtr ca = make_ca(ca_key.get());
  CertPtr leaf = issue_certificate(leaf_request(key.get()), ca.get(), ca_key.get());

  EXPECT_TRUE(critical(leaf.get(), NID_basic_constraints));
  EXPECT_EQ(X509_get_extension_flags(leaf.get()) & EXFLAG_CA, 0u);
  EXPECT_TRUE(critical(leaf.get(), NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(leaf.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(leaf.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  ASSERT_NE(X509_get0_subject_key_id(leaf.get()), nullptr);
  ASSERT_NE(X509_get0_authority_key_id(leaf.get()), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(leaf.get()),
                                  X509_get0_subject_key_id(ca.get())),
            0);
  EXPECT_EQ(not_before(leaf.get()), kNow);
  EXPECT_EQ(not_after(leaf.get()), kNow + 90 * kDay);

  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(names, nullptr);
  std::vector<std::string> dns, uris, emails;
  std::vector<int> ip_lengths;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    auto text = [](const ASN1_STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
    };
    if (gn->type == GEN_DNS) dns.push_back(text(gn->d.dNSName));
    if (gn->type == GEN_URI) uris.push_back(text(gn->d.uniformResourceIdentifier));
    if (gn->type == GEN_EMAIL) emails.push_back(text(gn->d.rfc822Name));
    if (gn->type == GEN_IPADD) ip_lengths.push_back(ASN1_STRING_length(gn->d.iPAddress));
  }
  GENERAL_NAMES_free(names);
  EXPECT_EQ(dns, (std::vector<std::string>{"web.example.com", "*.web.example.com"}));
  EXPECT_EQ(ip_lengths, (std::vector<int>{4, 16}));  // IPv4, IPv6
  EXPECT_EQ(uris, std::vector<std::string>{"spiffe://example.com/web"});
  EXPECT_EQ(emails, std::vector<std::string>{"ops@example.com"});
  EXPECT_FALSE(critical(leaf.get(), NID_subject_alt_name));  // the subject is not empty
}

TEST(X509, TemplatesSetKeyUsages) {
  PkeyPtr ca_key = generate_key(KeyAlgorithm::kEcP256);
  CertPtr ca = make_ca(ca_key.get());
  PkeyPtr rsa = generate_key(KeyAlgorithm::kRsa2048);
  struct Case {
    Template tmpl;
    uint32_t usage, extended;
  } cases[] = {
      {Template::kEndEntity, KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT,
       XKU_SSL_SERVER | XKU_SSL_CLIENT},
      {Template::kEndEntityClientAuth, KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT, XKU_SSL_CLIENT},
      {Template::kCodeSigning, KU_DIGITAL_SIGNATURE, XKU_CODE_SIGN},
      {Template::kOcspSigning, KU_DIGITAL_SIGNATURE, XKU_OCSP_SIGN},
  };
  for (const Case& c : cases) {
    LeafRequest req = leaf_request(rsa.get());
    req.tmpl = c.tmpl;
    CertPtr leaf = issue_certificate(req, ca.get(), ca_key.get());
    EXPECT_EQ(X509_get_key_usage(leaf.get()), c.usage) << static_cast<int>(c.tmpl);
    EXPECT_EQ(X509_get_extended_key_usage(leaf.get()), c.extended) << static_cast<int>(c.tmpl);
  }
}

TEST(X509, EmptySubjectMakesTheSanCritical) {
  PkeyPtr ca_key = generate_key(KeyAlgorithm::kEcP256);
  CertPtr ca = make_ca(ca_key.get());
  LeafRequest req = leaf_request(ca_key.get());
  req.subject = {};
  CertPtr leaf = issue_certificate(req, ca.get(), ca_key.get());
  EXPECT_TRUE(critical(leaf.get(), NID_subject_alt_name));
  EXPECT_EQ(subject_line(leaf.get()), "");
}

TEST(X509, SerialsAre128RandomBits) {
  PkeyPtr key = generate_key(KeyAlgorithm::kEcP256);
  CertPtr a = make_ca(key.get());
  CertPtr b = make_ca(key.get());
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(a.get()), nullptr));
  EXPECT_EQ(BN_num_bits(bn.get()), 128);
  EXPECT_FALSE(BN_is_negative(bn.get()));
  EXPECT_EQ(serial_hex(a.get()).size(), 32u);
  EXPECT_NE(serial_hex(a.get()), serial_hex(b.get()));
  EXPECT_NE(fingerprint_sha256(a.get()), fingerprint_sha256(b.get()));
  EXPECT_EQ(fingerprint_sha256(a.get()).size(), 64u);
}

TEST(X509, PrivateKeyEncodings) {
  PkeyPtr rsa = generate_key(KeyAlgorithm::kRsa2048);
  PkeyPtr ec = generate_key(KeyAlgorithm::kEcP256);
  PkeyPtr ed = generate_key(KeyAlgorithm::kEd25519);
  auto starts = [](const SecretBytes& pem, std::string_view header) {
    return pem.view().substr(0, header.size()) == header;
  };
  EXPECT_TRUE(
      starts(private_key_to_pem(rsa.get(), KeyEncoding::kPkcs8), "-----BEGIN PRIVATE KEY-----"));
  SecretBytes pkcs1 = private_key_to_pem(rsa.get(), KeyEncoding::kPkcs1);
  EXPECT_TRUE(starts(pkcs1, "-----BEGIN RSA PRIVATE KEY-----"));
  EXPECT_EQ(EVP_PKEY_eq(private_key_from_pem(pkcs1).get(), rsa.get()), 1);
  EXPECT_TRUE(
      starts(private_key_to_pem(ec.get(), KeyEncoding::kPkcs1), "-----BEGIN EC PRIVATE KEY-----"));
  EXPECT_THROW(private_key_to_pem(ed.get(), KeyEncoding::kPkcs1), Error);
}

TEST(X509, CertificatePemRoundTrip) {
  PkeyPtr key = generate_key(KeyAlgorithm::kEcP256);
  CertPtr ca = make_ca(key.get());
  std::string pem = certificate_to_pem(ca.get());
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  CertPtr back = certificate_from_pem(pem);
  EXPECT_EQ(fingerprint_sha256(back.get()), fingerprint_sha256(ca.get()));
  EXPECT_THROW(certificate_from_pem("not a certificate"), Error);
}

TEST(X509, SignatureHashFollowsTheRequest) {
  PkeyPtr key = generate_key(KeyAlgorithm::kEcP384);
  RootCaRequest req;
  req.subject.common_name = "root";
  req.key = key.get();
  req.hash = Hash::kSha384;
  req.validity = {kNow, kDay};
  CertPtr ca = make_root_ca(req);
  EXPECT_EQ(X509_get_signature_nid(ca.get()), NID_ecdsa_with_SHA384);
}

TEST(X509, NamesOfAlgorithms) {
  EXPECT_EQ(key_algorithm_from_name("RSA_3072"), KeyAlgorithm::kRsa3072);
  EXPECT_EQ(key_algorithm_from_name("RSA_1024"), std::nullopt);
  EXPECT_EQ(key_family(KeyAlgorithm::kEcP384), KeyFamily::kEc);
  auto s = signing_algorithm_from_name("SHA512WITHRSA");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->family, KeyFamily::kRsa);
  EXPECT_EQ(s->hash, Hash::kSha512);
  EXPECT_EQ(template_from_name("CodeSigningCertificate"), Template::kCodeSigning);
}

}  // namespace
}  // namespace keyform::x509
