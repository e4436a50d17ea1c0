#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "providers/pki/crl.h"
#include "util/error.h"

namespace keyform::x509 {
namespace {

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z

struct Ca {
  PkeyPtr key;
  CertPtr cert;
};

Ca make_ca(KeyAlgorithm a) {
  Ca ca;
  ca.key = generate_key(a);
  RootCaRequest req;
  req.subject.common_name = "CRL Test Root";
  req.key = ca.key.get();
  req.validity = {kNow, 365 * 86400};
  ca.cert = make_root_ca(req);
  return ca;
}

CrlPtr revoke_two(const Ca& ca) {
  CrlRequest req;
  req.issuer_cert = ca.cert.get();
  req.issuer_key = ca.key.get();
  req.number = 7;
  req.this_update = kNow;
  req.next_update = kNow + 7 * 86400;
  req.revoked = {{"0a1b", kNow - 10, RevocationReason::kSuperseded},
                 {"ff", kNow - 5, RevocationReason::kCessationOfOperation}};
  return make_crl(req);
}

long reason_of(const X509_REVOKED* r) {
  auto* e =
      static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(r, NID_crl_reason, nullptr, nullptr));
  long v = ASN1_ENUMERATED_get(e);
  ASN1_ENUMERATED_free(e);
  return v;
}

TEST(Crl, SignedNumberedWithAkiAndReasons) {
  for (KeyAlgorithm a : {KeyAlgorithm::kEcP256, KeyAlgorithm::kRsa2048, KeyAlgorithm::kEd25519}) {
    Ca ca = make_ca(a);
    CrlPtr crl = crl_from_pem(crl_to_pem(revoke_two(ca).get()));
    EXPECT_EQ(X509_CRL_verify(crl.get(), ca.key.get()), 1);
    EXPECT_EQ(X509_CRL_get_version(crl.get()), X509_CRL_VERSION_2);
    auto* number = static_cast<ASN1_INTEGER*>(
        X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, nullptr, nullptr));
    ASSERT_NE(number, nullptr);
    EXPECT_EQ(ASN1_INTEGER_get(number), 7);
    ASN1_INTEGER_free(number);
    auto* aki = static_cast<AUTHORITY_KEYID*>(
        X509_CRL_get_ext_d2i(crl.get(), NID_authority_key_identifier, nullptr, nullptr));
    ASSERT_NE(aki, nullptr);
    EXPECT_EQ(ASN1_OCTET_STRING_cmp(aki->keyid, X509_get0_subject_key_id(ca.cert.get())), 0);
    AUTHORITY_KEYID_free(aki);
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
    ASSERT_EQ(sk_X509_REVOKED_num(revoked), 2);
    // Sorted by serial: 0xff before 0x0a1b.
    EXPECT_EQ(reason_of(sk_X509_REVOKED_value(revoked, 0)), 5);
    EXPECT_EQ(reason_of(sk_X509_REVOKED_value(revoked, 1)), 4);
    EXPECT_EQ(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca.cert.get())),
              0);
    EXPECT_FALSE(crl_to_der(crl.get()).empty());
  }
}

TEST(Crl, ReasonNamesRoundTrip) {
  for (auto r : {RevocationReason::kUnspecified, RevocationReason::kKeyCompromise,
                 RevocationReason::kSuperseded, RevocationReason::kCessationOfOperation})
    EXPECT_EQ(revocation_reason_from_name(revocation_reason_name(r)), r);
  EXPECT_EQ(revocation_reason_name(RevocationReason::kSuperseded), "superseded");
  EXPECT_FALSE(revocation_reason_from_name("Superseded").has_value());
}

TEST(Crl, RefusesASerialThatIsNotHex) {
  Ca ca = make_ca(KeyAlgorithm::kEcP256);
  CrlRequest req;
  req.issuer_cert = ca.cert.get();
  req.issuer_key = ca.key.get();
  req.revoked = {{"zz", kNow, RevocationReason::kSuperseded}};
  EXPECT_THROW(make_crl(req), Error);
}

TEST(Crl, IssuedCertificateCarriesTheDistributionPoint) {
  Ca ca = make_ca(KeyAlgorithm::kEcP256);
  PkeyPtr leaf_key = generate_key(KeyAlgorithm::kEcP256);
  LeafRequest req;
  req.subject.common_name = "leaf";
  req.public_key = leaf_key.get();
  req.validity = {kNow, 86400};
  CertPtr plain = issue_certificate(req, ca.cert.get(), ca.key.get());
  EXPECT_LT(X509_get_ext_by_NID(plain.get(), NID_crl_distribution_points, -1), 0);
  req.crl_distribution_point = "http://crl.example.test/root.crl";
  CertPtr leaf = issue_certificate(req, ca.cert.get(), ca.key.get());
  auto* points = static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(leaf.get(), NID_crl_distribution_points, nullptr, nullptr));
  ASSERT_NE(points, nullptr);
  ASSERT_EQ(sk_DIST_POINT_num(points), 1);
  GENERAL_NAME* name =
      sk_GENERAL_NAME_value(sk_DIST_POINT_value(points, 0)->distpoint->name.fullname, 0);
  ASSERT_EQ(name->type, GEN_URI);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(
                ASN1_STRING_get0_data(name->d.uniformResourceIdentifier))),
            "http://crl.example.test/root.crl");
  CRL_DIST_POINTS_free(points);
}

}  // namespace
}  // namespace keyform::x509
