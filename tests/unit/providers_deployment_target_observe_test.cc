// DeploymentTarget::observe against files really deployed to a temp dir.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "providers/builtin.h"
#include "providers/file_system.h"
#include "tests/unit/providers_harness.h"
#include "tests/unit/test_support.h"

namespace keyform {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ProviderWorld;
using testing::TempDir;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
const std::string kTarget = "DeploymentTarget/web";

class DeploymentTargetObserveTest : public ::testing::Test {
 protected:
  DeploymentTargetObserveTest() {
    world.config.dir = dir.path();
    world.put("CertificateAuthority", "root",
              {{"type", "root"}, {"subject", {{"commonName", "R"}}}});
    world.put("Certificate", "web", {{"issuer", "root"}, {"commonName", "web"}});
    world.put("DeploymentTarget", "web",
              {{"source", "Certificate/web"},
               {"files",
                {{{"path", "out/cert.pem"}, {"content", "certificate"}, {"mode", "0644"}},
                 {{"path", "out/key.pem"}, {"content", "privateKey"}}}}});
    world.apply(*ca, "CertificateAuthority/root", ActionType::kCreate, kNow);
    world.apply(*cert, "Certificate/web", ActionType::kCreate, kNow);
    deploy(ActionType::kCreate);
  }

  // Deploys through the real file system (the harness's refuses writes).
  void deploy(ActionType type) {
    PosixFileSystem files;
    world.apply(*target, kTarget, type, kNow, &files);
  }

  Observation observe(bool with_keyring = true) {
    ObserveContext ctx{world.config, world.state, kNow, with_keyring ? &world.keyring() : nullptr};
    return target->observe(*world.state.find(kTarget), ctx);
  }

  std::filesystem::path file(const std::string& rel) const { return dir.path() / rel; }

  void append(const std::string& rel, const std::string& text) const {
    std::ofstream(file(rel), std::ios::app) << text;
  }

  std::unique_ptr<Provider> ca = make_certificate_authority_provider();
  std::unique_ptr<Provider> cert = make_certificate_provider();
  std::unique_ptr<Provider> target = make_deployment_target_provider();
  TempDir dir;
  ProviderWorld world;
};

TEST_F(DeploymentTargetObserveTest, JustDeployedIsInSync) {
  Observation o = observe();
  EXPECT_EQ(o.status, Observation::kInSync);
  EXPECT_TRUE(o.details.empty());
}

TEST_F(DeploymentTargetObserveTest, MissingFileIsDeleted) {
  std::filesystem::remove(file("out/cert.pem"));
  Observation o = observe();
  EXPECT_EQ(o.status, Observation::kDeleted);
  EXPECT_THAT(o.details, ElementsAre("out/cert.pem is missing"));
}

TEST_F(DeploymentTargetObserveTest, ChangedCertificateIsModified) {
  append("out/cert.pem", "junk\n");
  Observation o = observe();
  EXPECT_EQ(o.status, Observation::kModified);
  EXPECT_THAT(o.details, ElementsAre("out/cert.pem was changed"));
}

TEST_F(DeploymentTargetObserveTest, WrongModeIsModified) {
  ASSERT_EQ(::chmod(file("out/key.pem").c_str(), 0644), 0);
  Observation o = observe();
  EXPECT_EQ(o.status, Observation::kModified);
  EXPECT_THAT(o.details, ElementsAre("out/key.pem has mode 0644, expected 0600"));
}

TEST_F(DeploymentTargetObserveTest, SymlinkIsModified) {
  std::filesystem::rename(file("out/cert.pem"), file("elsewhere.pem"));
  std::filesystem::create_symlink(file("elsewhere.pem"), file("out/cert.pem"));
  Observation o = observe();
  EXPECT_EQ(o.status, Observation::kModified);
  EXPECT_THAT(o.details, ElementsAre("out/cert.pem is a symbolic link"));
}

TEST_F(DeploymentTargetObserveTest, ChangedKeyIsComparedWithTheSealedKey) {
  append("out/key.pem", "\n");
  Observation o = observe();
  EXPECT_EQ(o.status, Observation::kModified);
  EXPECT_THAT(o.details, ElementsAre("out/key.pem was changed"));
  for (const std::string& d : o.details) EXPECT_THAT(d, ::testing::Not(HasSubstr("PRIVATE")));
}

TEST_F(DeploymentTargetObserveTest, WithoutAKeyringTheKeyIsNotChecked) {
  append("out/key.pem", "\n");
  Observation o = observe(/*with_keyring=*/false);
  EXPECT_EQ(o.status, Observation::kNotChecked);
  EXPECT_THAT(o.details, ElementsAre("out/key.pem not compared: no root key available"));
}

TEST_F(DeploymentTargetObserveTest, ReissuedSourceIsLeftToThePlan) {
  world.apply(*cert, "Certificate/web", ActionType::kRenew, kNow + 70 * 86400);
  Observation o = observe();
  EXPECT_EQ(o.status, Observation::kNotChecked);
  EXPECT_THAT(o.details[0], HasSubstr("re-issued since the last deployment"));
}

TEST_F(DeploymentTargetObserveTest, RepairRewritesTheFiles) {
  std::filesystem::remove(file("out/cert.pem"));
  ASSERT_EQ(::chmod(file("out/key.pem").c_str(), 0644), 0);
  deploy(ActionType::kRepair);
  EXPECT_EQ(observe().status, Observation::kInSync);
}

TEST_F(DeploymentTargetObserveTest, ADerKeyIsComparedAsDer) {
  world.put("DeploymentTarget", "web",
            {{"source", "Certificate/web"},
             {"files", {{{"path", "out/key.der"}, {"content", "privateKey"}, {"format", "der"}}}}});
  deploy(ActionType::kDeploy);
  EXPECT_EQ(observe().status, Observation::kInSync);
  append("out/key.der", "x");
  Observation o = observe();
  EXPECT_EQ(o.status, Observation::kModified);
  EXPECT_THAT(o.details, ElementsAre("out/key.der was changed"));
}

}  // namespace
}  // namespace keyform
