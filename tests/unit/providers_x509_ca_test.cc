#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "providers/pki/x509_ca.h"
#include "util/error.h"

namespace keyform::x509 {
namespace {

constexpr UnixTime kNow = 1798761600;  // 2027-01-01

CertPtr root(EVP_PKEY* key, std::optional<int> path_length = std::nullopt) {
  RootCaRequest req;
  req.subject.common_name = "Root";
  req.key = key;
  req.path_length = path_length;
  req.validity = {kNow, 365 * 86400};
  return make_root_ca(req);
}

TEST(X509Ca, SubordinateIsACaSignedByItsParent) {
  PkeyPtr parent_key = generate_key(KeyAlgorithm::kEcP384);
  CertPtr parent = root(parent_key.get(), 2);
  PkeyPtr key = generate_key(KeyAlgorithm::kRsa2048);
  SubordinateCaRequest req;
  req.subject.common_name = "Sub";
  req.public_key = key.get();
  req.hash = Hash::kSha384;
  req.path_length = 1;
  req.validity = {kNow, 86400};
  CertPtr sub = issue_subordinate_ca(req, parent.get(), parent_key.get());
  EXPECT_TRUE(signed_by(sub.get(), parent.get()));
  EXPECT_FALSE(signed_by(sub.get(), sub.get()));
  EXPECT_FALSE(self_signed(sub.get()));
  EXPECT_TRUE(self_signed(parent.get()));
  EXPECT_EQ(ca_certificate_problem(sub.get()), "");
  EXPECT_EQ(path_length(sub.get()), 1);
  EXPECT_EQ(path_length(parent.get()), 2);
  EXPECT_EQ(X509_get_signature_nid(sub.get()), NID_ecdsa_with_SHA384);
  int crit = -1;
  BASIC_CONSTRAINTS_free(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(sub.get(), NID_basic_constraints, &crit, nullptr)));
  EXPECT_EQ(crit, 1);
  EXPECT_EQ(X509_get_key_usage(sub.get()) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN),
            uint32_t{KU_KEY_CERT_SIGN | KU_CRL_SIGN});
}

TEST(X509Ca, UnlimitedPathLength) {
  PkeyPtr key = generate_key(KeyAlgorithm::kEd25519);
  EXPECT_EQ(path_length(root(key.get()).get()), std::nullopt);
}

TEST(X509Ca, CsrCarriesTheCaExtensionsAndVerifies) {
  PkeyPtr key = generate_key(KeyAlgorithm::kEcP256);
  Subject s;
  s.common_name = "Pending";
  CsrPtr csr = make_ca_csr(s, key.get(), Hash::kSha256, 0);
  EXPECT_EQ(X509_REQ_verify(csr.get(), key.get()), 1);
  std::string pem = csr_to_pem(csr.get());
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE REQUEST-----", 0), 0u);
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(csr.get());
  ASSERT_NE(exts, nullptr);
  EXPECT_EQ(sk_X509_EXTENSION_num(exts), 3);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

TEST(X509Ca, PublicKeyDigestOfAKeyMatchesItsCertificate) {
  for (KeyAlgorithm a : {KeyAlgorithm::kEcP256, KeyAlgorithm::kRsa2048, KeyAlgorithm::kEd25519}) {
    PkeyPtr key = generate_key(a);
    EXPECT_EQ(public_key_sha256(key.get()), public_key_sha256(root(key.get()).get()));
  }
}

TEST(X509Ca, CertificatesFromPem) {
  PkeyPtr key = generate_key(KeyAlgorithm::kEcP256);
  std::string two =
      certificate_to_pem(root(key.get()).get()) + certificate_to_pem(root(key.get()).get());
  EXPECT_EQ(certificates_from_pem(two, "chain").size(), 2u);
  EXPECT_THROW(certificates_from_pem("nothing here", "chain"), Error);
  EXPECT_THROW(certificates_from_pem(
                   "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "chain"),
               Error);
}

TEST(X509Ca, ALeafIsNoCa) {
  PkeyPtr ca_key = generate_key(KeyAlgorithm::kEcP256);
  CertPtr ca = root(ca_key.get());
  PkeyPtr key = generate_key(KeyAlgorithm::kEcP256);
  LeafRequest req;
  req.dns_names = {"a.example"};
  req.public_key = key.get();
  req.validity = {kNow, 86400};
  CertPtr leaf = issue_certificate(req, ca.get(), ca_key.get());
  EXPECT_NE(ca_certificate_problem(leaf.get()).find("not a CA certificate"), std::string::npos);
}

}  // namespace
}  // namespace keyform::x509
