// DeploymentTarget with a Secret source: `value` and `field:NAME` hold the
// CURRENT version, 0600 and no digest; a rotation (planned, or recorded in
// another run) redeploys; a pkcs12 password comes from its Secret and its
// rotation redeploys too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "providers/builtin.h"
#include "providers/deploy/deployment_target.h"
#include "providers/file_system.h"
#include "providers/secrets/secret.h"
#include "providers/secrets/secret_read.h"
#include "tests/unit/providers_harness.h"
#include "tests/unit/test_support.h"
#include "util/file_io.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;

constexpr UnixTime kNow = 1'800'000'000;

class DeploySecretTest : public ::testing::Test {
 protected:
  DeploySecretTest() : secret(make_secret_provider()), target(make_deployment_target_provider()) {
    world.config.dir = dir.path();
    world.put(
        "Secret", "login",
        {{"value",
          {{"fields", {{"username", "svc"}, {"password", {{"generate", {{"length", 20}}}}}}}}}});
    world.put("DeploymentTarget", "login",
              {{"source", "Secret/login"},
               {"files",
                {{{"path", "out/all.json"}, {"content", "value"}},
                 {{"path", "out/password"}, {"content", "field:password"}}}}});
    world.apply(*secret, "Secret/login", ActionType::kCreate, kNow);
    deploy(ActionType::kCreate);
  }

  void deploy(ActionType type) {
    PosixFileSystem files;
    world.apply(*target, "DeploymentTarget/login", type, kNow, &files);
  }

  std::string current(const std::string& field) {
    secrets::VersionSelector which;
    which.field = field;
    return std::string(
        secrets::read_secret_version(*world.state.find("Secret/login"), world.keyring(), which)
            .view());
  }

  testing::TempDir dir;
  testing::ProviderWorld world;
  std::unique_ptr<Provider> secret, target;
};

TEST_F(DeploySecretTest, DeploysTheCurrentValueAndFieldPrivately) {
  EXPECT_EQ(read_file(dir.path() / "out/password"), current("password"));
  EXPECT_EQ(read_file(dir.path() / "out/all.json"), current(""));
  struct stat st;
  ASSERT_EQ(::stat((dir.path() / "out/password").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  const RecordedResource& rec = *world.state.find("DeploymentTarget/login");
  for (const auto& f : rec.attributes["files"]) EXPECT_FALSE(f.contains("sha256"));
  EXPECT_THAT(rec.attributes.value("source_fingerprint", ""), HasSubstr("version:"));
  EXPECT_EQ(world.diff(*target, "DeploymentTarget/login", kNow).type, ActionType::kNoOp);
}

TEST_F(DeploySecretTest, ARotationRedeploys) {
  Action rotate;
  rotate.type = ActionType::kRotate;
  world.planned["Secret/login"] = rotate;
  Change planned = world.diff(*target, "DeploymentTarget/login", kNow);
  EXPECT_EQ(planned.type, ActionType::kDeploy);
  EXPECT_THAT(planned.reasons[0], HasSubstr("source Secret/login rotates"));

  // Rotated in a run that left the target out: the recorded version differs.
  world.planned.clear();
  const std::string before = current("password");
  world.apply(*secret, "Secret/login", ActionType::kRotate, kNow);
  Change later = world.diff(*target, "DeploymentTarget/login", kNow);
  EXPECT_EQ(later.type, ActionType::kDeploy);
  EXPECT_THAT(later.reasons[0], HasSubstr("changed since the last deployment"));
  deploy(ActionType::kDeploy);
  EXPECT_NE(read_file(dir.path() / "out/password"), before);
  EXPECT_EQ(read_file(dir.path() / "out/password"), current("password"));
  EXPECT_EQ(world.diff(*target, "DeploymentTarget/login", kNow).type, ActionType::kNoOp);
}

TEST_F(DeploySecretTest, AMissingFieldNamesTheFieldsNotTheValue) {
  world.put("DeploymentTarget", "login",
            {{"source", "Secret/login"},
             {"files", {{{"path", "out/password"}, {"content", "field:pasword"}}}}});
  try {
    deploy(ActionType::kDeploy);
    ADD_FAILURE() << "deployed a missing field";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("has no field pasword (its fields: password, username)"));
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr(current("password"))));
  }
}

TEST_F(DeploySecretTest, APkcs12PasswordComesFromItsSecretAndItsRotationRedeploys) {
  world.put("CertificateAuthority", "root", {{"type", "root"}, {"subject", {{"commonName", "R"}}}});
  world.put("Certificate", "web", {{"issuer", "root"}, {"commonName", "web"}});
  world.apply(*make_certificate_authority_provider(), "CertificateAuthority/root",
              ActionType::kCreate, kNow);
  world.apply(*make_certificate_provider(), "Certificate/web", ActionType::kCreate, kNow);
  world.put("DeploymentTarget", "p12",
            {{"source", "Certificate/web"},
             {"files",
              {{{"path", "out/web.p12"},
                {"content", "pkcs12"},
                {"passwordFrom", {{"secret", "login"}, {"field", "password"}}}}}}});
  const Resource& desired = world.resource("DeploymentTarget/p12");
  auto refs = target->references(desired, world.config.project);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[1].address, "Secret/login");
  PosixFileSystem files;
  world.apply(*target, "DeploymentTarget/p12", ActionType::kCreate, kNow, &files);
  EXPECT_GT(read_file(dir.path() / "out/web.p12").size(), 100u);
  EXPECT_EQ(world.diff(*target, "DeploymentTarget/p12", kNow).type, ActionType::kNoOp);

  Action rotate;
  rotate.type = ActionType::kRotate;
  world.planned["Secret/login"] = rotate;
  Change c = world.diff(*target, "DeploymentTarget/p12", kNow);
  EXPECT_EQ(c.type, ActionType::kDeploy);
  EXPECT_THAT(c.reasons[0], HasSubstr("pkcs12 password Secret/login rotates"));
  world.planned.clear();
  world.apply(*secret, "Secret/login", ActionType::kRotate, kNow);
  EXPECT_EQ(world.diff(*target, "DeploymentTarget/p12", kNow).type, ActionType::kDeploy);
}

}  // namespace
}  // namespace keyform
