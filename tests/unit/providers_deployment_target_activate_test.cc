// DeploymentTarget apply with its reload command and verify.tls behind
// fakes, writing through the real file system: a failed reload or verify
// puts the previous files back and reloads again; drift sees an endpoint
// serving another certificate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>

#include "providers/builtin.h"
#include "providers/deploy/deployment_target.h"
#include "providers/deploy/process_runner.h"
#include "providers/deploy/tls_probe.h"
#include "providers/file_system.h"
#include "tests/unit/providers_harness.h"
#include "tests/unit/test_support.h"
#include "util/file_io.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
const std::string kTarget = "DeploymentTarget/web";

// Records each run with what the certificate file held at that moment.
class FakeRunner : public ProcessRunner {
 public:
  explicit FakeRunner(std::filesystem::path watched) : watched_(std::move(watched)) {}
  ProcessResult run(const std::vector<std::string>& argv, const std::string& cwd,
                    const std::vector<std::string>& hidden_env,
                    std::chrono::milliseconds) override {
    calls.push_back({argv, cwd, read_file(watched_)});
    hidden = hidden_env;
    ProcessResult r;
    r.started = true;
    r.exit_status = results.empty() ? 0 : results.front();
    if (!results.empty()) results.pop_front();
    if (r.exit_status != 0) r.stderr_tail = "nginx: [emerg] cannot load certificate";
    return r;
  }
  struct Call {
    std::vector<std::string> argv;
    std::string cwd;
    std::string certificate;  // the file's content when it ran
  };
  std::vector<Call> calls;
  std::vector<std::string> hidden;
  std::deque<int> results;  // exit statuses, then 0

 private:
  std::filesystem::path watched_;
};

// Serves what `serving` says; throws while `refusals` lasts.
class FakeProbe : public TlsProbe {
 public:
  ServedCertificate served(const std::string& address, const std::string& sni,
                           std::chrono::milliseconds) override {
    ++calls;
    last_address = address;
    last_sni = sni;
    if (refusals > 0) {
      --refusals;
      throw Error("cannot connect to " + address + ": Connection refused");
    }
    if (serving) return serving();
    return {"00ff", "abc"};
  }
  std::function<ServedCertificate()> serving;
  int refusals = 0;
  int calls = 0;
  std::string last_address, last_sni;
};

class DeploymentTargetActivateTest : public ::testing::Test {
 protected:
  DeploymentTargetActivateTest() {
    world.config.dir = dir.path();
    world.put("CertificateAuthority", "root",
              {{"type", "root"}, {"subject", {{"commonName", "R"}}}});
    world.put("Certificate", "web", {{"issuer", "root"}, {"commonName", "web"}});
    world.apply(*ca, "CertificateAuthority/root", ActionType::kCreate, kNow);
    world.apply(*cert, "Certificate/web", ActionType::kCreate, kNow);
    put_target(nlohmann::json::object());
    deploy(ActionType::kCreate);
    first_cert = read_file(file("tls/cert.pem"));
    first_key = read_file(file("tls/key.pem"));
    world.apply(*cert, "Certificate/web", ActionType::kRenew, kNow + 70 * 86400);
    runner->calls.clear();
  }

  void put_target(nlohmann::json extra) {
    nlohmann::json spec = {{"source", "Certificate/web"},
                           {"files",
                            {{{"path", "tls/cert.pem"}, {"content", "fullchain"}, {"mode", "0644"}},
                             {{"path", "tls/key.pem"}, {"content", "privateKey"}}}}};
    spec.update(extra);
    world.put("DeploymentTarget", "web", spec);
  }

  void with_reload_and_verify() {
    put_target({{"reload", {{"command", {"nginx", "-s", "reload"}}, {"timeout", "5s"}}},
                {"verify", {{"tls", {{"address", "127.0.0.1:8443"}, {"timeout", "1s"}}}}}});
  }

  std::string serving_fingerprint() const {
    return world.state.find("Certificate/web")->attributes["fingerprint_sha256"];
  }

  void deploy(ActionType type) {
    PosixFileSystem files;
    world.apply(*target, kTarget, type, kNow, &files);
  }

  // Deploys and returns the error it fails with.
  std::string failing_deploy() {
    try {
      deploy(ActionType::kDeploy);
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "the deployment did not fail";
    return "";
  }

  void expect_first_files_back() {
    EXPECT_EQ(read_file(file("tls/cert.pem")), first_cert);
    EXPECT_EQ(read_file(file("tls/key.pem")), first_key);
    for (const auto& e : std::filesystem::directory_iterator(file("tls")))
      EXPECT_THAT(e.path().filename().string(), Not(HasSubstr("keyform")));
  }

  std::filesystem::path file(const std::string& rel) const { return dir.path() / rel; }

  testing::TempDir dir;
  std::shared_ptr<FakeRunner> runner = std::make_shared<FakeRunner>(dir.path() / "tls/cert.pem");
  std::shared_ptr<FakeProbe> probe = std::make_shared<FakeProbe>();
  std::unique_ptr<Provider> ca = make_certificate_authority_provider();
  std::unique_ptr<Provider> cert = make_certificate_provider();
  std::unique_ptr<Provider> target = make_deployment_target_provider({runner, probe});
  testing::ProviderWorld world;
  std::string first_cert, first_key;
};

TEST_F(DeploymentTargetActivateTest, ReloadsAfterTheFilesChangeThenVerifies) {
  with_reload_and_verify();
  probe->serving = [&] { return ServedCertificate{serving_fingerprint(), "1"}; };
  deploy(ActionType::kDeploy);
  ASSERT_EQ(runner->calls.size(), 1u);
  EXPECT_THAT(runner->calls[0].argv, ::testing::ElementsAre("nginx", "-s", "reload"));
  EXPECT_EQ(runner->calls[0].cwd, dir.path().string());
  EXPECT_THAT(runner->hidden, ::testing::Contains("KEYFORM_ROOT_KEY"));
  EXPECT_NE(runner->calls[0].certificate, first_cert);  // the new files were in place
  EXPECT_EQ(probe->last_address, "127.0.0.1:8443");
  EXPECT_EQ(probe->last_sni, "127.0.0.1");  // serverName defaults to the host
  const nlohmann::json& v = world.state.find(kTarget)->attributes["verify_tls"];
  EXPECT_EQ(v["fingerprint_sha256"], serving_fingerprint());
  for (const auto& e : std::filesystem::directory_iterator(file("tls")))
    EXPECT_THAT(e.path().filename().string(), Not(HasSubstr("keyform")));
}

TEST_F(DeploymentTargetActivateTest, AFailedReloadRestoresThePreviousFilesAndReloadsAgain) {
  with_reload_and_verify();
  runner->results = {1};
  std::string error = failing_deploy();
  EXPECT_THAT(error, HasSubstr("reload command nginx exited with status 1: nginx: [emerg] cannot "
                               "load certificate"));
  EXPECT_THAT(error, HasSubstr("the previous files were restored and reloaded"));
  EXPECT_THAT(error, Not(HasSubstr("PRIVATE KEY")));
  ASSERT_EQ(runner->calls.size(), 2u);
  EXPECT_EQ(runner->calls[1].certificate, first_cert);  // the second reload saw the old files
  EXPECT_EQ(probe->calls, 0);
  expect_first_files_back();
}

TEST_F(DeploymentTargetActivateTest, AFailedVerifyRestoresAndSaysWhatWasServed) {
  with_reload_and_verify();
  probe->serving = [] { return ServedCertificate{"00112233445566778899", "0badc0de"}; };
  std::string error = failing_deploy();
  EXPECT_THAT(error, HasSubstr("verify.tls failed: 127.0.0.1:8443 (SNI 127.0.0.1) serves serial "
                               "0badc0de (sha256 0011223344556677...), not the deployed serial"));
  EXPECT_THAT(error, HasSubstr("the previous files were restored and reloaded"));
  EXPECT_GT(probe->calls, 1);  // it retried
  ASSERT_EQ(runner->calls.size(), 2u);
  EXPECT_EQ(runner->calls[1].certificate, first_cert);
  expect_first_files_back();
}

TEST_F(DeploymentTargetActivateTest, VerifyRetriesUntilTheEndpointServesTheNewCertificate) {
  with_reload_and_verify();
  probe->refusals = 2;
  probe->serving = [&] { return ServedCertificate{serving_fingerprint(), "1"}; };
  deploy(ActionType::kDeploy);
  EXPECT_EQ(probe->calls, 3);
  EXPECT_NE(read_file(file("tls/cert.pem")), first_cert);
}

TEST_F(DeploymentTargetActivateTest, AFailedRestoreReloadIsReportedToo) {
  with_reload_and_verify();
  runner->results = {2, 2};
  std::string error = failing_deploy();
  EXPECT_THAT(error, HasSubstr("restored, but reloading them failed too: reload command nginx "
                               "exited with status 2"));
  expect_first_files_back();
}

TEST_F(DeploymentTargetActivateTest, DriftSeesAnEndpointServingAnotherCertificate) {
  with_reload_and_verify();
  std::string served = serving_fingerprint();
  probe->serving = [&] { return ServedCertificate{served, "1"}; };
  deploy(ActionType::kDeploy);
  ObserveContext ctx{world.config, world.state, kNow, &world.keyring()};
  EXPECT_EQ(target->observe(*world.state.find(kTarget), ctx).status, Observation::kInSync);

  // A reloading server: one handshake still gets the previous certificate.
  const std::string deployed = served;
  int calls = 0;
  probe->serving = [&] { return ServedCertificate{++calls == 1 ? "ffff" : deployed, "1"}; };
  EXPECT_EQ(target->observe(*world.state.find(kTarget), ctx).status, Observation::kInSync);

  probe->serving = [&] { return ServedCertificate{served, "1"}; };
  served = "ffff";
  Observation o = target->observe(*world.state.find(kTarget), ctx);
  EXPECT_EQ(o.status, Observation::kModified);
  EXPECT_THAT(o.details[0], HasSubstr("127.0.0.1:8443 (SNI 127.0.0.1) serves serial 1"));

  probe->refusals = 1;
  o = target->observe(*world.state.find(kTarget), ctx);
  EXPECT_EQ(o.status, Observation::kNotChecked);
  EXPECT_THAT(o.details[0], HasSubstr("not checked: cannot connect"));
}

TEST_F(DeploymentTargetActivateTest, ANewCrlNumberRedeploysACrlTarget) {
  RecordedResource& root = world.state.resources["CertificateAuthority/root"];
  root.attributes["crl"] = {{"pem", "-----BEGIN X509 CRL-----\nAAEC\n-----END X509 CRL-----\n"},
                            {"number", 1}};
  world.put("DeploymentTarget", "crl",
            {{"source", "CertificateAuthority/root"},
             {"files", {{{"path", "crl/root.crl"}, {"content", "crl"}, {"format", "der"}}}}});
  PosixFileSystem files;
  world.apply(*target, "DeploymentTarget/crl", ActionType::kCreate, kNow, &files);
  EXPECT_EQ(read_file(file("crl/root.crl")), std::string("\x00\x01\x02", 3));
  EXPECT_EQ(world.diff(*target, "DeploymentTarget/crl", kNow).type, ActionType::kNoOp);

  root.attributes["crl"]["number"] = 2;
  Change c = world.diff(*target, "DeploymentTarget/crl", kNow);
  EXPECT_EQ(c.type, ActionType::kDeploy);
  EXPECT_THAT(c.reasons[0], HasSubstr("changed since the last deployment"));
}

TEST_F(DeploymentTargetActivateTest, ValidationNamesWhatCannotBeDeployed) {
  world.put("DeploymentTarget", "p12",
            {{"source", "Certificate/web"},
             {"files",
              {{{"path", "out/web.p12"},
                {"content", "pkcs12"},
                {"passwordFrom", {{"secret", "p12"}, {"field", "password"}}}}}}});
  EXPECT_TRUE(world.validate(*target, "DeploymentTarget/p12").empty());

  world.put("DeploymentTarget", "value",
            {{"source", "Secret/db"},
             {"files", {{{"path", "out/db.txt"}, {"content", "value"}}}},
             {"verify", {{"tls", {{"address", "127.0.0.1:1"}}}}}});
  auto errors = world.validate(*target, "DeploymentTarget/value");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("/spec/verify/tls: a Secret is not served"));

  world.put("DeploymentTarget", "bundle",
            {{"source", "TrustBundle/clients"},
             {"files", {{{"path", "out/bundle.pem"}, {"content", "bundle"}}}},
             {"verify", {{"tls", {{"address", "127.0.0.1:1"}}}}}});
  errors = world.validate(*target, "DeploymentTarget/bundle");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("/spec/verify/tls: a TrustBundle is not served"));
}

}  // namespace
}  // namespace keyform
