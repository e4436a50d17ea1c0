// Where the CA's features meet: an external CA installed with revocations,
// a CRL and a deletion window; an imported CA replaced on its key; pending
// CAs updated, deleted and depended on; subordinates revoked and pointing
// at their parent's CRL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "providers/builtin.h"
#include "providers/pki/ca_hierarchy.h"
#include "providers/pki/ca_install.h"
#include "providers/pki/certificate_authority.h"
#include "providers/pki/x509_ca.h"
#include "tests/unit/providers_harness.h"
#include "tests/unit/test_support.h"
#include "util/error.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;
using testing::ProviderWorld;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
constexpr Seconds kDay = 86400;
const std::string kRoot = "CertificateAuthority/root";
const std::string kSub = "CertificateAuthority/sub";
const std::string kExt = "CertificateAuthority/ext";

const nlohmann::json kCrl = {{"enabled", true}, {"distributionPoint", "http://crl.test/p.crl"}};

class CaIntegrationTest : public ::testing::Test {
 protected:
  CaIntegrationTest() {
    world.put("CertificateAuthority", "root",
              {{"type", "root"}, {"subject", {{"commonName", "Root"}}}, {"crl", kCrl}});
    world.put("CertificateAuthority", "sub",
              {{"type", "subordinate"}, {"parent", "root"}, {"subject", {{"commonName", "Sub"}}}});
    world.put("CertificateAuthority", "ext",
              {{"type", "subordinate"},
               {"parent", {{"external", true}}},
               {"subject", {{"commonName", "Ext"}}},
               {"crl", {{"enabled", true}}}});
    outside_key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
    x509::RootCaRequest rr;
    rr.subject.common_name = "Outside";
    rr.key = outside_key.get();
    rr.validity = {kNow - 10, 365 * kDay};
    outside = x509::make_root_ca(rr);
  }

  // The external CA's key signed by the outside root, as an operator would.
  std::string signed_ext(UnixTime from) {
    const RecordedResource& ext = *world.state.find(kExt);
    x509::PkeyPtr key = x509::private_key_from_pem(
        world.keyring().open(ext.objects.at("privateKey"), private_key_context(ext)));
    x509::SubordinateCaRequest sr;
    sr.subject.common_name = "Ext";
    sr.public_key = key.get();
    sr.validity = {from, 100 * kDay};
    return x509::certificate_to_pem(
        x509::issue_subordinate_ca(sr, outside.get(), outside_key.get()).get());
  }
  void install_ext(UnixTime now) {
    world.state.resources[kExt] =
        pki::install_ca_certificate(*world.state.find(kExt), signed_ext(now - 10),
                                    x509::certificate_to_pem(outside.get()), now);
  }
  RecordedResource run(ActionType type, const std::string& address, const Resource* desired,
                       std::vector<Revocation> revocations = {}) {
    Action action;
    action.id = "run";
    action.address = address;
    action.type = type;
    action.revocations = std::move(revocations);
    testing::NoFileSystem files;
    ApplyContext ctx{action,       desired, world.state.find(address), {},
                     world.config, kNow,    world.keyring(),           files};
    RecordedResource rec = ca->apply(ctx);
    return world.state.resources[address] = rec;
  }

  std::unique_ptr<Provider> ca = make_certificate_authority_provider();
  x509::PkeyPtr outside_key;
  x509::CertPtr outside;
  ProviderWorld world;
};

// The first install leads to a CRL; a re-install keeps what the
// key revoked and its CRL number; an install in the deletion window keeps it.
TEST_F(CaIntegrationTest, InstallKeepsRevocationsTheCrlAndTheDeletionWindow) {
  world.apply(*ca, kExt, ActionType::kCreate, kNow);
  install_ext(kNow);
  Change first = world.diff(*ca, kExt, kNow);
  EXPECT_EQ(first.type, ActionType::kUpdate);
  EXPECT_THAT(first.reasons, ::testing::Contains("crl.enabled: no CRL signed yet"));
  world.apply(*ca, kExt, ActionType::kUpdate, kNow);
  EXPECT_EQ(world.state.find(kExt)->attributes["crl"]["number"], 1);
  EXPECT_EQ(world.diff(*ca, kExt, kNow).type, ActionType::kNoOp);

  run(ActionType::kRevoke, kExt, world.config.find(kExt), {{"Certificate/x", "0a", "superseded"}});
  EXPECT_EQ(world.state.find(kExt)->attributes["crl"]["number"], 2);
  install_ext(kNow + kDay);  // a renewed certificate on the same key
  const RecordedResource& again = *world.state.find(kExt);
  EXPECT_EQ(again.attributes["revoked_certificates"].size(), 1u);
  EXPECT_EQ(again.attributes["crl"]["number"], 2);

  run(ActionType::kUpdate, kExt, nullptr);  // removed: the deletion window starts
  const std::string date = world.state.find(kExt)->attributes["deletion_date"];
  install_ext(kNow + 2 * kDay);
  const RecordedResource& deleting = *world.state.find(kExt);
  EXPECT_EQ(deleting.attributes["status"], "PENDING_DELETION");
  EXPECT_EQ(deleting.attributes["deletion_date"], date);
  EXPECT_EQ(deleting.attributes["status_before_deletion"], "ACTIVE");
}

// Apply --replace of an imported CA with renewed files on the
// same key keeps its revocation list.
TEST_F(CaIntegrationTest, AnImportedCaReplacedOnItsKeyKeepsItsRevocations) {
  testing::TempDir dir;
  world.config.dir = dir.path();
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  auto write_cert = [&](UnixTime from) {
    x509::RootCaRequest req;
    req.subject.common_name = "Imported";
    req.key = key.get();
    req.validity = {from, 365 * kDay};
    dir.write("ca.pem", x509::certificate_to_pem(x509::make_root_ca(req).get()));
  };
  write_cert(kNow - 10);
  dir.write("ca.key",
            std::string(x509::private_key_to_pem(key.get(), x509::KeyEncoding::kPkcs8).view()));
  const std::string imp = "CertificateAuthority/imp";
  world.put("CertificateAuthority", "imp",
            {{"type", "root"},
             {"import", {{"certificate", "ca.pem"}, {"privateKey", "ca.key"}}},
             {"crl", {{"enabled", true}}}});
  world.apply(*ca, imp, ActionType::kCreate, kNow);
  run(ActionType::kRevoke, imp, world.config.find(imp), {{"Certificate/x", "0b", "keyCompromise"}});
  write_cert(kNow - 5);
  const RecordedResource& replaced = world.apply(*ca, imp, ActionType::kReplace, kNow);
  ASSERT_EQ(replaced.attributes["revoked_certificates"].size(), 1u);
  EXPECT_EQ(replaced.attributes["crl"]["revoked"], 1);
}

// A PENDING_CERTIFICATE CA with a CRL takes updates, and is
// restored from its deletion window, without signing a CRL it cannot sign.
TEST_F(CaIntegrationTest, APendingCaWithACrlIsUpdatedWithoutOne) {
  world.apply(*ca, kExt, ActionType::kCreate, kNow);
  world.put("CertificateAuthority", "ext",
            {{"type", "subordinate"},
             {"parent", {{"external", true}}},
             {"subject", {{"commonName", "Ext"}}},
             {"crl", {{"enabled", true}}},
             {"deletionWindow", "7d"}});
  ASSERT_EQ(world.diff(*ca, kExt, kNow).type, ActionType::kUpdate);
  EXPECT_NO_THROW(world.apply(*ca, kExt, ActionType::kUpdate, kNow));
  EXPECT_EQ(world.state.find(kExt)->attributes["deletion_window"], 7 * kDay);
  run(ActionType::kUpdate, kExt, nullptr);
  EXPECT_NO_THROW(world.apply(*ca, kExt, ActionType::kUpdate, kNow));
  EXPECT_EQ(world.state.find(kExt)->attributes["status"], "PENDING_CERTIFICATE");
  EXPECT_FALSE(world.state.find(kExt)->attributes.contains("crl"));
}

// In its deletion window, a CA without its certificate is still
// pending (observe does not read a certificate it lacks).
TEST_F(CaIntegrationTest, APendingCaInItsDeletionWindowIsStillPending) {
  world.apply(*ca, kExt, ActionType::kCreate, kNow);
  RecordedResource deleting = run(ActionType::kUpdate, kExt, nullptr);
  EXPECT_EQ(deleting.attributes["status"], "PENDING_DELETION");
  EXPECT_TRUE(pki::is_pending(deleting));
  world.apply(*ca, kRoot, ActionType::kCreate, kNow);
  run(ActionType::kUpdate, kRoot, nullptr);
  EXPECT_FALSE(pki::is_pending(*world.state.find(kRoot)));
}

// A replaced subordinate records its old serial as pending at
// its parent until the parent's revoke.
TEST_F(CaIntegrationTest, AReplacedSubordinateLeavesItsSerialPending) {
  world.apply(*ca, kRoot, ActionType::kCreate, kNow);
  const std::string old = world.apply(*ca, kSub, ActionType::kCreate, kNow).attributes["serial"];
  const RecordedResource& sub = world.apply(*ca, kSub, ActionType::kReplace, kNow + 1);
  ASSERT_EQ(sub.attributes["revocation_pending"].size(), 1u);
  EXPECT_EQ(sub.attributes["revocation_pending"][0]["serial"], old);
  EXPECT_EQ(sub.attributes["revocation_pending"][0]["issuer_public_key_sha256"],
            world.state.find(kRoot)->attributes["public_key_sha256"]);
}

// A subordinate's certificate names its parent's CRL.
TEST_F(CaIntegrationTest, ASubordinatePointsAtItsParentsCrl) {
  world.apply(*ca, kRoot, ActionType::kCreate, kNow);
  const RecordedResource& sub = world.apply(*ca, kSub, ActionType::kCreate, kNow);
  x509::CertPtr cert =
      x509::certificate_from_pem(sub.attributes["certificate_pem"].get<std::string>());
  EXPECT_GE(X509_get_ext_by_NID(cert.get(), NID_crl_distribution_points, -1), 0);
}

// A bundle or a target that needs only a CA waiting for its
// certificate waits too, rather than failing at apply.
TEST_F(CaIntegrationTest, BundlesAndTargetsWaitForAnExternalCa) {
  world.put("TrustBundle", "b", {{"authorities", {"ext"}}});
  world.put("DeploymentTarget", "t",
            {{"source", kExt}, {"files", {{{"path", "out/ca.pem"}, {"content", "certificate"}}}}});
  Action create;
  create.type = ActionType::kCreate;
  world.planned[kExt] = create;
  auto bundles = make_trust_bundle_provider();
  auto targets = make_deployment_target_provider();
  for (auto [p, address] : {std::pair{bundles.get(), "TrustBundle/b"},
                            std::pair{targets.get(), "DeploymentTarget/t"}}) {
    Change c = world.diff(*p, address, kNow);
    EXPECT_EQ(c.type, ActionType::kNoOp) << address;
    EXPECT_TRUE(c.waiting) << address;
    ASSERT_FALSE(c.reasons.empty());
    EXPECT_THAT(c.reasons[0], HasSubstr("waits for " + kExt)) << address;
  }
  // Installed: both are planned.
  world.planned.clear();
  world.apply(*ca, kExt, ActionType::kCreate, kNow);
  install_ext(kNow);
  EXPECT_EQ(world.diff(*bundles, "TrustBundle/b", kNow).type, ActionType::kCreate);
  EXPECT_EQ(world.diff(*targets, "DeploymentTarget/t", kNow).type, ActionType::kCreate);
}

}  // namespace
}  // namespace keyform
