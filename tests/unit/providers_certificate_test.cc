#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/kms/kms_key.h"
#include "providers/pki/certificate.h"
#include "providers/pki/certificate_authority.h"
#include "providers/pki/x509.h"
#include "tests/unit/providers_harness.h"

namespace keyform {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ProviderWorld;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
constexpr Seconds kDay = 86400;
const std::string kCa = "CertificateAuthority/root";
const std::string kWeb = "Certificate/web";

class CertificateTest : public ::testing::Test {
 protected:
  CertificateTest() {
    world.put("CertificateAuthority", "root",
              {{"type", "root"}, {"subject", {{"commonName", "Root"}}}});
    world.put("Certificate", "web", web_spec());
  }

  static nlohmann::json web_spec() {
    return {{"issuer", "root"}, {"commonName", "web"}, {"dnsNames", {"web.example.com"}}};
  }

  // Applies the CA and the certificate at kNow.
  void create_both() {
    world.apply(*ca, kCa, ActionType::kCreate, kNow);
    world.apply(*cert, kWeb, ActionType::kCreate, kNow);
  }

  x509::PkeyPtr open_key(const std::string& address) {
    return x509::private_key_from_pem(
        world.keyring().open(world.state.find(address)->objects.at("privateKey"),
                             private_key_context(*world.state.find(address))));
  }

  x509::CertPtr recorded_cert(const std::string& address) {
    return x509::certificate_from_pem(
        world.state.find(address)->attributes["certificate_pem"].get<std::string>());
  }

  std::unique_ptr<Provider> ca = make_certificate_authority_provider();
  std::unique_ptr<Provider> cert = make_certificate_provider();
  ProviderWorld world;
};

TEST_F(CertificateTest, ReferencesTheIssuerAndTheKmsKey) {
  world.config.project.defaults["kmsKey"] = "main";
  auto refs = cert->references(world.resource(kWeb), world.config.project);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].field, "/spec/issuer");
  EXPECT_EQ(refs[0].address, kCa);
  EXPECT_EQ(refs[1].address, "KmsKey/main");
}

TEST_F(CertificateTest, CreatesWhenNotInState) {
  Change c = world.diff(*cert, kWeb, kNow);
  EXPECT_EQ(c.type, ActionType::kCreate);
  EXPECT_THAT(c.reasons, ElementsAre("not in state"));
}

TEST_F(CertificateTest, NoOpWhenNothingChanged) {
  create_both();
  Change c = world.diff(*cert, kWeb, kNow + kDay);
  EXPECT_EQ(c.type, ActionType::kNoOp);
  EXPECT_TRUE(c.reasons.empty());
}

TEST_F(CertificateTest, DnsNamesChangeReplaces) {
  create_both();
  nlohmann::json spec = web_spec();
  spec["dnsNames"].push_back("www.example.com");
  world.put("Certificate", "web", spec);
  Change c = world.diff(*cert, kWeb, kNow);
  EXPECT_EQ(c.type, ActionType::kReplace);
  EXPECT_THAT(c.reasons,
              ElementsAre("spec.dnsNames changed", "new key: privateKey.rotationPolicy: Always"));
}

TEST_F(CertificateTest, DescriptionChangeUpdates) {
  create_both();
  world.put("Certificate", "web", web_spec(), "the web server");
  Change c = world.diff(*cert, kWeb, kNow);
  EXPECT_EQ(c.type, ActionType::kUpdate);
  EXPECT_THAT(c.reasons, ElementsAre("description changed"));
}

TEST_F(CertificateTest, RenewBeforeChangeOnlyMovesTheRenewal) {
  create_both();
  nlohmann::json spec = web_spec();
  spec["renewBefore"] = "10d";
  world.put("Certificate", "web", spec);
  EXPECT_EQ(world.diff(*cert, kWeb, kNow).type, ActionType::kUpdate);
  Change c = world.diff(*cert, kWeb, kNow + 85 * kDay);
  EXPECT_EQ(c.type, ActionType::kRenew);
  EXPECT_THAT(c.reasons, ElementsAre("spec.renewBefore changed", "expires in 5d, renewBefore 10d",
                                     "new key: privateKey.rotationPolicy: Always"));
}

TEST_F(CertificateTest, RenewsWhenDue) {
  create_both();
  EXPECT_EQ(world.diff(*cert, kWeb, kNow + 59 * kDay).type, ActionType::kNoOp);
  Change c = world.diff(*cert, kWeb, kNow + 78 * kDay);
  EXPECT_EQ(c.type, ActionType::kRenew);
  EXPECT_THAT(c.reasons, ElementsAre("expires in 12d, renewal at 33% of a 90d lifetime",
                                     "new key: privateKey.rotationPolicy: Always"));
}

TEST_F(CertificateTest, ReplacedIssuerReplaces) {
  create_both();
  world.planned[kCa].type = ActionType::kReplace;
  Change c = world.diff(*cert, kWeb, kNow);
  EXPECT_EQ(c.type, ActionType::kReplace);
  EXPECT_THAT(c.reasons, ElementsAre("issuer CertificateAuthority/root is replaced",
                                     "new key: privateKey.rotationPolicy: Always"));

  world.planned[kCa].type = ActionType::kRenew;
  EXPECT_EQ(world.diff(*cert, kWeb, kNow).type, ActionType::kNoOp);
}

TEST_F(CertificateTest, ReplaceRequested) {
  create_both();
  Change c = world.diff(*cert, kWeb, kNow, /*replace_requested=*/true);
  EXPECT_EQ(c.type, ActionType::kReplace);
  EXPECT_THAT(c.reasons, ElementsAre("replacement requested with --replace",
                                     "new key: --replace asks for one"));
}

TEST_F(CertificateTest, ValidateNamesTheBadField) {
  world.put(
      "Certificate", "web",
      {{"issuer", "root"},
       {"dnsNames", {"web.example.com", "bad_name.example.com", "*.example.com", "w*.example.com"}},
       {"ipAddresses", {"10.0.0.1", "2001:db8::1", "10.0.0.256"}},
       {"emails", {"ops@example.com", "ops"}},
       {"uris", {"spiffe://example.com/web", "no-scheme"}}});
  auto errors = world.validate(*cert, kWeb);
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_THAT(errors[0], HasSubstr("/spec/dnsNames/1: \"bad_name.example.com\" is not a valid "
                                   "DNS name"));
  EXPECT_THAT(errors[1], HasSubstr("/spec/dnsNames/3: \"w*.example.com\""));
  EXPECT_THAT(errors[2], HasSubstr("/spec/ipAddresses/2:"));
  EXPECT_THAT(errors[3], HasSubstr("/spec/emails/1:"));
  EXPECT_THAT(errors[4], HasSubstr("/spec/uris/1:"));
}

TEST_F(CertificateTest, ValidateNeedsAnIdentity) {
  world.put("Certificate", "web", {{"issuer", "root"}});
  EXPECT_THAT(world.validate(*cert, kWeb),
              ElementsAre("/spec: at least one of commonName, dnsNames, ipAddresses, uris or "
                          "emails is required"));
}

TEST_F(CertificateTest, ValidateRenewBeforeWithinValidity) {
  nlohmann::json spec = web_spec();
  spec["validity"] = "30d";
  spec["renewBefore"] = "30d";
  world.put("Certificate", "web", spec);
  EXPECT_THAT(world.validate(*cert, kWeb),
              ElementsAre("/spec/renewBefore: renewBefore 30d must be shorter than validity 30d"));
}

TEST_F(CertificateTest, ValidateValidityWithinTheIssuers) {
  world.put("CertificateAuthority", "root",
            {{"subject", {{"commonName", "Root"}}}, {"validity", "1y"}});
  nlohmann::json spec = web_spec();
  spec["validity"] = "2y";
  world.put("Certificate", "web", spec);
  EXPECT_THAT(world.validate(*cert, kWeb),
              ElementsAre("/spec/validity: validity 2y is longer than the issuer "
                          "CertificateAuthority/root's validity 1y"));
  spec["validity"] = "1y";
  world.put("Certificate", "web", spec);
  EXPECT_TRUE(world.validate(*cert, kWeb).empty());
}

TEST_F(CertificateTest, ValidateSigningHashAgainstAnEd25519Issuer) {
  nlohmann::json spec = web_spec();
  spec["signingHash"] = "sha384";
  world.put("Certificate", "web", spec);
  EXPECT_TRUE(world.validate(*cert, kWeb).empty());
  world.put("CertificateAuthority", "root",
            {{"subject", {{"commonName", "Root"}}}, {"keyAlgorithm", "ED25519"}});
  auto errors = world.validate(*cert, kWeb);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("/spec/signingHash:"));
  EXPECT_THAT(errors[0], HasSubstr("ED25519"));
}

TEST_F(CertificateTest, ApplyIssuesASealedKeyAndAVerifyingCertificate) {
  create_both();
  const RecordedResource& rec = *world.state.find(kWeb);
  EXPECT_THAT(rec.dependencies, ElementsAre(kCa));
  EXPECT_EQ(rec.attributes["issuer"], kCa);
  // The chain is not copied into every certificate: deployments read it from the issuer.
  EXPECT_FALSE(rec.attributes.contains("chain_pem"));
  EXPECT_EQ(rec.attributes["issuer_fingerprint"],
            world.state.find(kCa)->attributes["fingerprint_sha256"]);
  EXPECT_EQ(rec.attributes["dns_names"], nlohmann::json({"web.example.com"}));
  EXPECT_EQ(rec.attributes["common_name"], "web");
  EXPECT_EQ(rec.attributes["not_before_unix"], kNow);
  EXPECT_EQ(rec.attributes["not_after_unix"], kNow + 90 * kDay);
  EXPECT_EQ(rec.attributes["not_after"], "2027-04-01T00:00:00Z");
  EXPECT_EQ(rec.attributes["private_key_encoding"], "PKCS8");

  x509::CertPtr leaf = recorded_cert(kWeb);
  EXPECT_TRUE(x509::key_matches_certificate(open_key(kWeb).get(), leaf.get()));
  EXPECT_EQ(X509_verify(leaf.get(), X509_get0_pubkey(recorded_cert(kCa).get())), 1);
  // The key is sealed to its address: opening it as another fails.
  EXPECT_THROW(world.keyring().open(rec.objects.at("privateKey"), "Certificate/other#privateKey"),
               Error);
  // ...and to its certificate's public key: it opens as no other key's.
  EXPECT_THROW(world.keyring().open(rec.objects.at("privateKey"),
                                    private_key_context(kWeb, std::string(64, '0'))),
               Error);
}

TEST_F(CertificateTest, RenewRotatesTheKeyUnlessToldNever) {
  create_both();
  std::string first_key = world.state.find(kWeb)->objects.at("privateKey");
  std::string first_serial = world.state.find(kWeb)->attributes["serial"];
  world.apply(*cert, kWeb, ActionType::kRenew, kNow + 70 * kDay);
  EXPECT_NE(world.state.find(kWeb)->objects.at("privateKey"), first_key);
  EXPECT_NE(world.state.find(kWeb)->attributes["serial"], first_serial);
  EXPECT_EQ(world.state.find(kWeb)->attributes["not_before_unix"], kNow + 70 * kDay);

  nlohmann::json spec = web_spec();
  spec["privateKey"] = {{"rotationPolicy", "Never"}};
  world.put("Certificate", "web", spec);
  std::string kept = world.state.find(kWeb)->objects.at("privateKey");
  world.apply(*cert, kWeb, ActionType::kRenew, kNow + 140 * kDay);
  EXPECT_EQ(world.state.find(kWeb)->objects.at("privateKey"), kept);
  EXPECT_TRUE(x509::key_matches_certificate(open_key(kWeb).get(), recorded_cert(kWeb).get()));
}

TEST_F(CertificateTest, Ed25519IssuerSignsWithoutAHash) {
  world.put("CertificateAuthority", "root",
            {{"subject", {{"commonName", "Root"}}}, {"keyAlgorithm", "ED25519"}});
  create_both();
  x509::CertPtr leaf = recorded_cert(kWeb);
  EXPECT_EQ(X509_get_signature_nid(leaf.get()), NID_ED25519);
  EXPECT_EQ(X509_verify(leaf.get(), X509_get0_pubkey(recorded_cert(kCa).get())), 1);
}

TEST_F(CertificateTest, Pkcs1EncodingIsSealedAsIs) {
  nlohmann::json spec = web_spec();
  spec["keyAlgorithm"] = "RSA_2048";
  spec["privateKey"] = {{"encoding", "PKCS1"}};
  world.put("Certificate", "web", spec);
  create_both();
  SecretBytes pem = world.keyring().open(world.state.find(kWeb)->objects.at("privateKey"),
                                         private_key_context(*world.state.find(kWeb)));
  EXPECT_EQ(pem.view().substr(0, 31), "-----BEGIN RSA PRIVATE KEY-----");
}

TEST_F(CertificateTest, UpdateKeepsTheCertificate) {
  create_both();
  RecordedResource before = *world.state.find(kWeb);
  world.put("Certificate", "web", web_spec(), "the web server");
  world.apply(*cert, kWeb, ActionType::kUpdate, kNow + kDay);
  const RecordedResource& after = *world.state.find(kWeb);
  EXPECT_EQ(after.attributes, before.attributes);
  EXPECT_EQ(after.objects, before.objects);
  EXPECT_NE(after.spec_digest, before.spec_digest);
  EXPECT_EQ(world.diff(*cert, kWeb, kNow + kDay).type, ActionType::kNoOp);
}

TEST_F(CertificateTest, DisabledIssuerCannotIssue) {
  world.put("CertificateAuthority", "root",
            {{"subject", {{"commonName", "Root"}}}, {"enabled", false}});
  world.apply(*ca, kCa, ActionType::kCreate, kNow);
  try {
    world.apply(*cert, kWeb, ActionType::kCreate, kNow);
    FAIL() << "issued by a disabled CA";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "CertificateAuthority/root is disabled: it cannot issue");
  }
}

TEST_F(CertificateTest, SealsUnderTheKmsKey) {
  auto kms = make_kms_key_provider();
  world.put("KmsKey", "main", nlohmann::json::object());
  nlohmann::json spec = web_spec();
  spec["kmsKey"] = "main";
  world.put("Certificate", "web", spec);
  world.apply(*kms, "KmsKey/main", ActionType::kCreate, kNow);
  create_both();
  EXPECT_THAT(world.state.find(kWeb)->dependencies, ElementsAre(kCa, "KmsKey/main"));
  std::string sealed = world.store().get(world.state.find(kWeb)->objects.at("privateKey"));
  EXPECT_THAT(sealed.substr(0, sealed.find('\n')), HasSubstr("KmsKey/main"));
  EXPECT_TRUE(x509::key_matches_certificate(open_key(kWeb).get(), recorded_cert(kWeb).get()));
}

}  // namespace
}  // namespace keyform
