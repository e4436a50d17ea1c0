#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "providers/pki/certificate.h"
#include "providers/pki/certificate_authority.h"
#include "providers/pki/x509.h"
#include "tests/unit/providers_harness.h"

namespace keyform {
namespace {

using ::testing::ElementsAre;
using testing::ProviderWorld;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
constexpr Seconds kDay = 86400;
constexpr Seconds kYear = 365 * kDay;
const std::string kCa = "CertificateAuthority/root";

nlohmann::json root_spec() {
  return {{"type", "root"},
          {"subject", {{"commonName", "Root"}, {"organization", "Example"}}},
          {"validity", "3y"}};
}

class CertificateAuthorityTest : public ::testing::Test {
 protected:
  CertificateAuthorityTest() { world.put("CertificateAuthority", "root", root_spec()); }

  void put(const char* field, nlohmann::json value) {
    nlohmann::json spec = root_spec();
    spec[field] = std::move(value);
    world.put("CertificateAuthority", "root", spec);
  }

  std::unique_ptr<Provider> ca = make_certificate_authority_provider();
  ProviderWorld world;
};

TEST_F(CertificateAuthorityTest, ValidateSubordinateNeedsAParent) {
  put("type", "subordinate");
  EXPECT_THAT(
      world.validate(*ca, kCa),
      ElementsAre("/spec/type: type: subordinate needs parent: the name of a "
                  "CertificateAuthority, or {external: true} for a parent outside keyform"));
}

TEST_F(CertificateAuthorityTest, ValidateSigningAlgorithmFitsTheKey) {
  put("signingAlgorithm", "SHA256WITHRSA");
  EXPECT_THAT(world.validate(*ca, kCa),
              ElementsAre("/spec/signingAlgorithm: signingAlgorithm SHA256WITHRSA does not fit "
                          "keyAlgorithm EC_prime256v1 (an EC key)"));
  put("signingAlgorithm", "SHA384WITHECDSA");
  EXPECT_TRUE(world.validate(*ca, kCa).empty());
}

TEST_F(CertificateAuthorityTest, DiffDecisions) {
  EXPECT_EQ(world.diff(*ca, kCa, kNow).type, ActionType::kCreate);
  world.apply(*ca, kCa, ActionType::kCreate, kNow);
  EXPECT_EQ(world.diff(*ca, kCa, kNow).type, ActionType::kNoOp);

  put("enabled", false);
  Change update = world.diff(*ca, kCa, kNow);
  EXPECT_EQ(update.type, ActionType::kUpdate);
  EXPECT_THAT(update.reasons, ElementsAre("spec.enabled changed"));

  put("validity", "5y");
  Change renew = world.diff(*ca, kCa, kNow);
  EXPECT_EQ(renew.type, ActionType::kRenew);
  EXPECT_THAT(renew.reasons, ElementsAre("spec.validity changed"));

  nlohmann::json spec = root_spec();
  spec["subject"]["commonName"] = "New Root";
  spec["keyAlgorithm"] = "EC_secp384r1";
  world.put("CertificateAuthority", "root", spec);
  Change replace = world.diff(*ca, kCa, kNow);
  EXPECT_EQ(replace.type, ActionType::kReplace);
  EXPECT_THAT(replace.reasons, ElementsAre("spec.keyAlgorithm changed", "spec.subject changed"));
}

TEST_F(CertificateAuthorityTest, RenewsAtTwoThirdsOfItsLifetime) {
  world.apply(*ca, kCa, ActionType::kCreate, kNow);
  EXPECT_EQ(world.diff(*ca, kCa, kNow + 2 * kYear - 1).type, ActionType::kNoOp);
  Change c = world.diff(*ca, kCa, kNow + 2 * kYear + 100 * kDay);
  EXPECT_EQ(c.type, ActionType::kRenew);
  EXPECT_THAT(c.reasons, ElementsAre("expires in 265d, renewal at 33% of a 1095d lifetime"));
}

TEST_F(CertificateAuthorityTest, ApplyRecordsTheCertificate) {
  const RecordedResource& rec = world.apply(*ca, kCa, ActionType::kCreate, kNow);
  EXPECT_EQ(rec.attributes["subject"], "CN=Root,O=Example");
  EXPECT_EQ(rec.attributes["key_algorithm"], "EC_prime256v1");
  EXPECT_EQ(rec.attributes["enabled"], true);
  EXPECT_EQ(rec.attributes["not_before"], "2027-01-01T00:00:00Z");
  EXPECT_EQ(rec.attributes["not_after_unix"], kNow + 3 * kYear);
  EXPECT_TRUE(rec.dependencies.empty());
  x509::CertPtr cert =
      x509::certificate_from_pem(rec.attributes["certificate_pem"].get<std::string>());
  EXPECT_EQ(rec.attributes["serial"], x509::serial_hex(cert.get()));
  EXPECT_EQ(rec.attributes["fingerprint_sha256"], x509::fingerprint_sha256(cert.get()));
  x509::PkeyPtr key = x509::private_key_from_pem(
      world.keyring().open(rec.objects.at("privateKey"), private_key_context(rec)));
  EXPECT_TRUE(x509::key_matches_certificate(key.get(), cert.get()));
}

TEST_F(CertificateAuthorityTest, RenewKeepsTheKeySoIssuedCertificatesStayValid) {
  auto certs = make_certificate_provider();
  world.put("Certificate", "web", {{"issuer", "root"}, {"dnsNames", {"web.example.com"}}});
  world.apply(*ca, kCa, ActionType::kCreate, kNow);
  RecordedResource before = *world.state.find(kCa);
  world.apply(*certs, "Certificate/web", ActionType::kCreate, kNow);

  world.apply(*ca, kCa, ActionType::kRenew, kNow + 2 * kYear + kDay);
  const RecordedResource& after = *world.state.find(kCa);
  EXPECT_EQ(after.objects, before.objects);
  EXPECT_NE(after.attributes["serial"], before.attributes["serial"]);
  EXPECT_EQ(after.attributes["not_before_unix"], kNow + 2 * kYear + kDay);
  ASSERT_EQ(after.attributes["previous_certificates"].size(), 1u);
  EXPECT_EQ(after.attributes["previous_certificates"][0]["fingerprint_sha256"],
            before.attributes["fingerprint_sha256"]);

  x509::CertPtr renewed =
      x509::certificate_from_pem(after.attributes["certificate_pem"].get<std::string>());
  x509::CertPtr leaf = x509::certificate_from_pem(
      world.state.find("Certificate/web")->attributes["certificate_pem"].get<std::string>());
  EXPECT_EQ(X509_verify(leaf.get(), X509_get0_pubkey(renewed.get())), 1);
  EXPECT_EQ(X509_check_issued(renewed.get(), leaf.get()), X509_V_OK);
}

TEST_F(CertificateAuthorityTest, ReplaceMakesANewKey) {
  world.apply(*ca, kCa, ActionType::kCreate, kNow);
  std::string first = world.state.find(kCa)->objects.at("privateKey");
  world.apply(*ca, kCa, ActionType::kReplace, kNow);
  EXPECT_NE(world.state.find(kCa)->objects.at("privateKey"), first);
}

TEST_F(CertificateAuthorityTest, UpdateRecordsEnabled) {
  world.apply(*ca, kCa, ActionType::kCreate, kNow);
  std::string serial = world.state.find(kCa)->attributes["serial"];
  put("enabled", false);
  const RecordedResource& rec = world.apply(*ca, kCa, ActionType::kUpdate, kNow);
  EXPECT_EQ(rec.attributes["enabled"], false);
  EXPECT_EQ(rec.attributes["serial"], serial);
  EXPECT_EQ(world.diff(*ca, kCa, kNow).type, ActionType::kNoOp);
}

}  // namespace
}  // namespace keyform
