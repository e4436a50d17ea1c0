#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/pki/certificate.h"
#include "providers/pki/certificate_authority.h"
#include "providers/pki/certificate_drift.h"
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

class CertificateDriftTest : public ::testing::Test {
 protected:
  CertificateDriftTest() {
    world.put("CertificateAuthority", "root",
              {{"type", "root"}, {"subject", {{"commonName", "Root"}}}, {"validity", "3y"}});
    world.put(
        "Certificate", "web",
        {{"issuer", "root"}, {"commonName", "web"}, {"validity", "90d"}, {"renewBefore", "30d"}});
    world.apply(*ca, kCa, ActionType::kCreate, kNow);
    world.apply(*cert, kWeb, ActionType::kCreate, kNow);
  }

  Observation observe(const Provider& p, const std::string& address, UnixTime now,
                      bool with_keyring = true) {
    ObserveContext ctx{world.config, world.state, now, with_keyring ? &world.keyring() : nullptr};
    return p.observe(*world.state.find(address), ctx);
  }

  std::unique_ptr<Provider> ca = make_certificate_authority_provider();
  std::unique_ptr<Provider> cert = make_certificate_provider();
  ProviderWorld world;
};

TEST_F(CertificateDriftTest, FreshCertificatesAreInSync) {
  Observation o = observe(*cert, kWeb, kNow + kDay);
  EXPECT_EQ(o.status, Observation::kInSync);
  EXPECT_TRUE(o.details.empty());
  EXPECT_EQ(observe(*ca, kCa, kNow + kDay).status, Observation::kInSync);
}

TEST_F(CertificateDriftTest, PastTheRenewalPointIsModifiedWithTheReason) {
  Observation o = observe(*cert, kWeb, kNow + 70 * kDay);
  EXPECT_EQ(o.status, Observation::kModified);
  EXPECT_THAT(o.details, ElementsAre("expires in 20d, renewBefore 30d"));
}

TEST_F(CertificateDriftTest, ExpiredIsModified) {
  Observation o = observe(*cert, kWeb, kNow + 93 * kDay);
  EXPECT_EQ(o.status, Observation::kModified);
  EXPECT_THAT(o.details, ElementsAre("expired 3d ago"));
}

TEST_F(CertificateDriftTest, CaRenewsAtTwoThirdsOfItsLifetime) {
  EXPECT_EQ(observe(*ca, kCa, kNow + 700 * kDay).status, Observation::kInSync);
  Observation o = observe(*ca, kCa, kNow + 800 * kDay);
  EXPECT_EQ(o.status, Observation::kModified);
  EXPECT_THAT(o.details[0], HasSubstr("renewal at 33%"));
}

TEST_F(CertificateDriftTest, TamperedKeyObjectIsModified) {
  const std::string id = world.state.find(kWeb)->objects.at("privateKey");
  std::string sealed = world.store().get(id);
  sealed[sealed.size() - 1] ^= 1;
  world.store().put(id, sealed);
  Observation o = observe(*cert, kWeb, kNow);
  EXPECT_EQ(o.status, Observation::kModified);
  ASSERT_EQ(o.details.size(), 1u);
  EXPECT_THAT(o.details[0], HasSubstr("the sealed private key cannot be opened"));
  EXPECT_THAT(o.details[0], HasSubstr("failed authentication"));
}

TEST_F(CertificateDriftTest, MissingKeyObjectIsModified) {
  world.store().remove(world.state.find(kCa)->objects.at("privateKey"));
  Observation o = observe(*ca, kCa, kNow);
  EXPECT_EQ(o.status, Observation::kModified);
  EXPECT_THAT(o.details[0], HasSubstr("cannot be opened"));
}

TEST_F(CertificateDriftTest, KeyOfAnotherCertificateIsModified) {
  // The web entry pointing at the CA's key object: it opens under no other
  // context, so it is caught either way.
  RecordedResource& web = world.state.resources[kWeb];
  web.objects["privateKey"] = world.state.find(kCa)->objects.at("privateKey");
  EXPECT_EQ(observe(*cert, kWeb, kNow).status, Observation::kModified);
}

TEST_F(CertificateDriftTest, AnEarlierKeyOfTheSameCertificateIsModified) {
  // Put back the key object from before a re-issue: same address, but not
  // the key of the certificate now recorded. It is sealed to the old public
  // key, so it does not open under the new one.
  const std::string old_key = world.state.find(kWeb)->objects.at("privateKey");
  world.apply(*cert, kWeb, ActionType::kReplace, kNow);
  ASSERT_NE(world.state.find(kWeb)->objects.at("privateKey"), old_key);
  ASSERT_TRUE(world.store().exists(old_key));
  world.state.resources[kWeb].objects["privateKey"] = old_key;
  Observation o = observe(*cert, kWeb, kNow);
  EXPECT_EQ(o.status, Observation::kModified);
  EXPECT_THAT(o.details[0], HasSubstr("cannot be opened"));
}

TEST_F(CertificateDriftTest, WithoutAKeyringTheKeyIsNotChecked) {
  Observation o = observe(*cert, kWeb, kNow, /*with_keyring=*/false);
  EXPECT_EQ(o.status, Observation::kNotChecked);
  EXPECT_THAT(o.details, ElementsAre("private key not checked: no root key available"));
  // Expiry needs no key.
  EXPECT_EQ(observe(*cert, kWeb, kNow + 93 * kDay, false).status, Observation::kModified);
}

}  // namespace
}  // namespace keyform
