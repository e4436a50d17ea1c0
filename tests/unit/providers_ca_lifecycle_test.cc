#include <gtest/gtest.h>

#include "providers/pki/ca_lifecycle.h"
#include "providers/pki/certificate.h"
#include "providers/pki/certificate_authority.h"
#include "providers/pki/crl.h"
#include "tests/unit/providers_harness.h"

namespace keyform {
namespace {

using testing::ProviderWorld;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
constexpr Seconds kDay = 86400;
const std::string kCa = "CertificateAuthority/root";

class CaLifecycleTest : public ::testing::Test {
 protected:
  CaLifecycleTest() {
    world.put("CertificateAuthority", "root",
              {{"type", "root"},
               {"subject", {{"commonName", "Root"}}},
               {"deletionWindow", "7d"},
               {"crl", {{"enabled", true}, {"distributionPoint", "http://crl.test/r.crl"}}}});
    world.put("Certificate", "web", {{"issuer", "root"}, {"commonName", "web"}});
    world.apply(*ca, kCa, ActionType::kCreate, kNow);
    world.apply(*cert, "Certificate/web", ActionType::kCreate, kNow);
  }

  // Runs an action the harness cannot express (revocations, no desired).
  RecordedResource run(const Action& action, const Resource* desired) {
    testing::NoFileSystem files;
    ApplyContext ctx{
        action,          desired, world.state.find(action.address), {}, world.config, kNow + 1,
        world.keyring(), files};
    return ca->apply(ctx);
  }

  std::unique_ptr<Provider> ca = make_certificate_authority_provider();
  std::unique_ptr<Provider> cert = make_certificate_provider();
  ProviderWorld world;
};

TEST_F(CaLifecycleTest, IssuedCertificatesPointAtTheCrl) {
  EXPECT_EQ(world.state.find(kCa)->attributes["crl_distribution_point"], "http://crl.test/r.crl");
  EXPECT_EQ(world.state.find(kCa)->attributes["crl"]["number"], 1);
  x509::CertPtr leaf = x509::certificate_from_pem(
      world.state.find("Certificate/web")->attributes["certificate_pem"].get<std::string>());
  EXPECT_GE(X509_get_ext_by_NID(leaf.get(), NID_crl_distribution_points, -1), 0);
}

TEST_F(CaLifecycleTest, ReplacementLeavesItsOldSerialPending) {
  const std::string old = world.state.find("Certificate/web")->attributes["serial"];
  world.put("Certificate", "web", {{"issuer", "root"}, {"commonName", "web2"}});
  const RecordedResource& rec =
      world.apply(*cert, "Certificate/web", ActionType::kReplace, kNow + 1);
  ASSERT_EQ(rec.attributes["revocation_pending"].size(), 1u);
  EXPECT_EQ(rec.attributes["revocation_pending"][0]["serial"], old);
}

TEST_F(CaLifecycleTest, RevokeFoldsOnceAndResignsEvenWithoutTheConfig) {
  Action revoke;
  revoke.id = "r";
  revoke.address = kCa;
  revoke.type = ActionType::kRevoke;
  revoke.revocations = {{"Certificate/web", "0a", "superseded"}};
  RecordedResource once = run(revoke, nullptr);
  EXPECT_EQ(once.attributes["crl"]["number"], 2);
  EXPECT_EQ(once.attributes["crl"]["revoked"], 1);
  EXPECT_EQ(once.attributes["crl"]["next_update"].get<UnixTime>() -
                once.attributes["crl"]["this_update"].get<UnixTime>(),
            7 * kDay);
  world.state.resources[kCa] = once;
  RecordedResource twice = run(revoke, world.config.find(kCa));
  EXPECT_EQ(twice.attributes["revoked_certificates"].size(), 1u);
  EXPECT_EQ(twice.attributes["crl"]["number"], 3);
}

TEST_F(CaLifecycleTest, DeletionWindowSchedulesKeepsAndRestores) {
  Action update;
  update.id = "u";
  update.address = kCa;
  update.type = ActionType::kUpdate;
  RecordedResource pending = run(update, nullptr);
  EXPECT_TRUE(pki::pending_deletion(pending.attributes));
  EXPECT_EQ(pending.attributes["deletion_date_unix"], kNow + 1 + 7 * kDay);
  EXPECT_EQ(pending.objects, world.state.find(kCa)->objects);  // the key is kept
  world.state.resources[kCa] = pending;
  EXPECT_EQ(run(update, nullptr).attributes["deletion_date_unix"], kNow + 1 + 7 * kDay);

  Change back = world.diff(*ca, kCa, kNow + 2);
  EXPECT_EQ(back.type, ActionType::kUpdate);
  EXPECT_EQ(back.reasons.back(),
            "back in the configuration: restored from PENDING_DELETION until " +
                format_rfc3339(kNow + 1 + 7 * kDay));
  const RecordedResource& restored = world.apply(*ca, kCa, ActionType::kUpdate, kNow + 2);
  EXPECT_FALSE(pki::pending_deletion(restored.attributes));
  EXPECT_EQ(restored.attributes["fingerprint_sha256"], pending.attributes["fingerprint_sha256"]);
}

TEST_F(CaLifecycleTest, ReplacementKeepsThePreviousCertificateAndCrlNumber) {
  const std::string fp = world.state.find(kCa)->attributes["fingerprint_sha256"];
  const RecordedResource& rec = world.apply(*ca, kCa, ActionType::kReplace, kNow + 1);
  ASSERT_EQ(rec.attributes["previous_certificates"].size(), 1u);
  EXPECT_EQ(rec.attributes["previous_certificates"][0]["fingerprint_sha256"], fp);
  EXPECT_EQ(rec.attributes["crl"]["number"], 2);
  EXPECT_FALSE(rec.attributes.contains("revoked_certificates"));
}

TEST_F(CaLifecycleTest, CrlRefreshIsPlannedAsAnUpdate) {
  EXPECT_EQ(world.diff(*ca, kCa, kNow + 4 * kDay).type, ActionType::kNoOp);
  Change due = world.diff(*ca, kCa, kNow + 5 * kDay);
  EXPECT_EQ(due.type, ActionType::kUpdate);
  EXPECT_EQ(due.reasons.back().substr(0, 18), "CRL expires in 2d ");
}

TEST_F(CaLifecycleTest, DriftReportsACrlDueForRefresh) {
  ObserveContext ctx{world.config, world.state, kNow + kDay, &world.keyring()};
  EXPECT_EQ(ca->observe(*world.state.find(kCa), ctx).status, Observation::kInSync);
  ctx.now = kNow + 6 * kDay;
  Observation o = ca->observe(*world.state.find(kCa), ctx);
  EXPECT_EQ(o.status, Observation::kModified);
  ASSERT_EQ(o.details.size(), 1u);
  EXPECT_EQ(o.details[0].substr(0, 18), "CRL expires in 1d ");
}

}  // namespace
}  // namespace keyform
