#include <gtest/gtest.h>

#include "providers/pki/certificate_authority.h"
#include "providers/pki/trust_bundle.h"
#include "tests/unit/providers_harness.h"

namespace keyform {
namespace {

using testing::ProviderWorld;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
constexpr Seconds kDay = 86400;

class TrustBundleTest : public ::testing::Test {
 protected:
  TrustBundleTest() {
    for (const char* name : {"a", "b"})
      world.put("CertificateAuthority", name,
                {{"type", "root"}, {"subject", {{"commonName", name}}}, {"validity", "1y"}});
    world.put("TrustBundle", "all", {{"authorities", {"b", "a"}}});
    world.apply(*ca, "CertificateAuthority/a", ActionType::kCreate, kNow);
    world.apply(*ca, "CertificateAuthority/b", ActionType::kCreate, kNow);
  }

  std::vector<std::string> fingerprints(const RecordedResource& r) {
    std::vector<std::string> out;
    for (const auto& c : r.attributes["certificates"]) out.push_back(c["fingerprint"]);
    return out;
  }
  std::string fp(const char* ca_name) {
    return world.state.find(std::string("CertificateAuthority/") + ca_name)
        ->attributes["fingerprint_sha256"];
  }

  std::unique_ptr<Provider> ca = make_certificate_authority_provider();
  std::unique_ptr<Provider> bundle = make_trust_bundle_provider();
  ProviderWorld world;
};

TEST_F(TrustBundleTest, AuthoritiesInOrderCurrentBeforePrevious) {
  const std::string a1 = fp("a");
  world.apply(*ca, "CertificateAuthority/a", ActionType::kReplace, kNow + kDay);
  const RecordedResource& rec =
      world.apply(*bundle, "TrustBundle/all", ActionType::kCreate, kNow + kDay);
  EXPECT_EQ(fingerprints(rec), (std::vector<std::string>{fp("b"), fp("a"), a1}));
  EXPECT_EQ(rec.attributes["certificates"][2]["authority"], "CertificateAuthority/a");
  EXPECT_EQ(rec.attributes["pem"].get<std::string>().find(
                world.state.find("CertificateAuthority/b")->attributes["certificate_pem"]),
            0u);
}

TEST_F(TrustBundleTest, UpdatesWhenAnAuthorityGetsANewKeyOrAPreviousOneExpires) {
  world.apply(*bundle, "TrustBundle/all", ActionType::kCreate, kNow);
  EXPECT_EQ(world.diff(*bundle, "TrustBundle/all", kNow).type, ActionType::kNoOp);
  Action replace;
  replace.address = "CertificateAuthority/a";
  replace.type = ActionType::kReplace;
  world.planned["CertificateAuthority/a"] = replace;
  Change c = world.diff(*bundle, "TrustBundle/all", kNow);
  EXPECT_EQ(c.type, ActionType::kUpdate);
  EXPECT_EQ(c.reasons,
            std::vector<std::string>{"authority CertificateAuthority/a gets a new key (replace)"});
  world.planned.clear();

  world.apply(*ca, "CertificateAuthority/a", ActionType::kReplace, kNow + kDay);
  world.apply(*bundle, "TrustBundle/all", ActionType::kUpdate, kNow + kDay);
  EXPECT_EQ(world.diff(*bundle, "TrustBundle/all", kNow + 2 * kDay).type, ActionType::kNoOp);
  // The first certificate of a expires a year after kNow (so does b's).
  Change expired = world.diff(*bundle, "TrustBundle/all", kNow + 365 * kDay + 1);
  EXPECT_EQ(expired.type, ActionType::kUpdate);
  ASSERT_EQ(expired.reasons.size(), 2u);
  EXPECT_NE(expired.reasons[0].find("expired"), std::string::npos);
}

TEST_F(TrustBundleTest, ListingAnAuthorityTwiceIsAnError) {
  world.put("TrustBundle", "all", {{"authorities", {"a", "a"}}});
  EXPECT_EQ(
      world.validate(*bundle, "TrustBundle/all"),
      std::vector<std::string>{"/spec/authorities/1: CertificateAuthority/a is listed twice"});
}

}  // namespace
}  // namespace keyform
