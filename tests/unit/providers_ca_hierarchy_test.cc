// Subordinate CAs and the external-parent flow through the providers:
// signing by the parent, path lengths, PENDING_CERTIFICATE, waiting
// dependents, install.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/pki/ca_hierarchy.h"
#include "providers/pki/ca_install.h"
#include "providers/pki/certificate.h"
#include "providers/pki/certificate_authority.h"
#include "providers/pki/x509_ca.h"
#include "tests/unit/providers_harness.h"
#include "util/error.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;
using testing::ProviderWorld;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
const std::string kRoot = "CertificateAuthority/root";
const std::string kSub = "CertificateAuthority/sub";
const std::string kExt = "CertificateAuthority/ext";

class CaHierarchyTest : public ::testing::Test {
 protected:
  CaHierarchyTest() {
    world.put("CertificateAuthority", "root",
              {{"type", "root"}, {"subject", {{"commonName", "Root"}}}, {"pathLength", 2}});
    world.put("CertificateAuthority", "sub",
              {{"type", "subordinate"}, {"parent", "root"}, {"subject", {{"commonName", "Sub"}}}});
    world.put("CertificateAuthority", "ext",
              {{"type", "subordinate"},
               {"parent", {{"external", true}}},
               {"subject", {{"commonName", "Ext"}}}});
    world.put("Certificate", "leaf", {{"issuer", "ext"}, {"commonName", "leaf"}});
  }
  x509::CertPtr cert(const std::string& a) {
    return x509::certificate_from_pem(
        world.state.find(a)->attributes["certificate_pem"].get<std::string>());
  }

  std::unique_ptr<Provider> ca = make_certificate_authority_provider();
  std::unique_ptr<Provider> certs = make_certificate_provider();
  ProviderWorld world;
};

TEST_F(CaHierarchyTest, SubordinateIsSignedByItsParentOneLevelShorter) {
  EXPECT_TRUE(world.validate(*ca, kSub).empty());
  world.apply(*ca, kRoot, ActionType::kCreate, kNow);
  const RecordedResource& sub = world.apply(*ca, kSub, ActionType::kCreate, kNow);
  EXPECT_EQ(sub.attributes["issuer"], kRoot);
  EXPECT_EQ(sub.attributes["status"], "ACTIVE");
  EXPECT_THAT(sub.dependencies, ::testing::Contains(kRoot));
  EXPECT_TRUE(x509::signed_by(cert(kSub).get(), cert(kRoot).get()));
  EXPECT_EQ(x509::path_length(cert(kSub).get()), 1);  // the parent's 2, less one

  // The parent replaced in this plan: the subordinate is replaced too.
  Action replace;
  replace.type = ActionType::kReplace;
  world.planned[kRoot] = replace;
  Change c = world.diff(*ca, kSub, kNow);
  EXPECT_EQ(c.type, ActionType::kReplace);
  EXPECT_THAT(c.reasons, ::testing::ElementsAre("parent CertificateAuthority/root is replaced"));
}

TEST_F(CaHierarchyTest, ExternalParentWaitsForItsCertificate) {
  const RecordedResource& ext = world.apply(*ca, kExt, ActionType::kCreate, kNow);
  EXPECT_EQ(ext.attributes["status"], "PENDING_CERTIFICATE");
  EXPECT_FALSE(ext.attributes.contains("certificate_pem"));
  std::string csr = ext.attributes["csr_pem"];
  EXPECT_THAT(csr, HasSubstr("BEGIN CERTIFICATE REQUEST"));

  Change self = world.diff(*ca, kExt, kNow);
  EXPECT_EQ(self.type, ActionType::kNoOp);
  EXPECT_TRUE(self.waiting);
  Change leaf = world.diff(*certs, "Certificate/leaf", kNow);
  EXPECT_EQ(leaf.type, ActionType::kNoOp);
  EXPECT_TRUE(leaf.waiting);
  EXPECT_THAT(leaf.reasons[0], HasSubstr("PENDING_CERTIFICATE until keyform ca install"));
  EXPECT_THROW(world.apply(*certs, "Certificate/leaf", ActionType::kCreate, kNow), Error);

  // The parent outside: a root made here stands in for it.
  x509::PkeyPtr outside_key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  x509::RootCaRequest rr;
  rr.subject.common_name = "Outside";
  rr.key = outside_key.get();
  rr.validity = {kNow - 10, 365 * 86400};
  x509::CertPtr outside = x509::make_root_ca(rr);
  // Sign the CA's key (as the CSR carries it) with the outside root.
  x509::PkeyPtr ext_key = x509::private_key_from_pem(
      world.keyring().open(world.state.find(kExt)->objects.at("privateKey"),
                           private_key_context(*world.state.find(kExt))));
  x509::SubordinateCaRequest sr;
  sr.subject.common_name = "Ext";
  sr.public_key = ext_key.get();
  sr.validity = {kNow - 10, 100 * 86400};
  x509::CertPtr signed_ext = x509::issue_subordinate_ca(sr, outside.get(), outside_key.get());
  std::string outside_pem = x509::certificate_to_pem(outside.get());

  // Wrong certificate: the outside root itself is for another key.
  EXPECT_THROW(pki::install_ca_certificate(*world.state.find(kExt), outside_pem, "", kNow), Error);
  // Wrong chain: the certificate is not signed by it.
  EXPECT_THROW(pki::install_ca_certificate(*world.state.find(kExt),
                                           x509::certificate_to_pem(signed_ext.get()),
                                           x509::certificate_to_pem(signed_ext.get()), kNow),
               Error);
  RecordedResource installed = pki::install_ca_certificate(
      *world.state.find(kExt), x509::certificate_to_pem(signed_ext.get()), outside_pem, kNow);
  EXPECT_EQ(installed.attributes["status"], "ACTIVE");
  EXPECT_EQ(installed.attributes["external_chain_pem"], outside_pem);
  EXPECT_EQ(installed.objects, world.state.find(kExt)->objects);
  world.state.resources[kExt] = installed;

  EXPECT_EQ(world.diff(*ca, kExt, kNow).type, ActionType::kNoOp);
  EXPECT_FALSE(world.diff(*ca, kExt, kNow).waiting);
  EXPECT_EQ(world.diff(*certs, "Certificate/leaf", kNow).type, ActionType::kCreate);
  world.apply(*certs, "Certificate/leaf", ActionType::kCreate, kNow);
  // Due for renewal: keyform cannot renew it; the plan says what to do.
  Change due = world.diff(*ca, kExt, kNow + 90 * 86400);
  EXPECT_EQ(due.type, ActionType::kNoOp);
  EXPECT_THAT(due.reasons[0], HasSubstr("keyform ca install"));
}

TEST_F(CaHierarchyTest, InstallRefusesACaWithoutExternalParent) {
  world.apply(*ca, kRoot, ActionType::kCreate, kNow);
  EXPECT_THROW(pki::install_ca_certificate(*world.state.find(kRoot), "", "", kNow), Error);
}

}  // namespace
}  // namespace keyform
