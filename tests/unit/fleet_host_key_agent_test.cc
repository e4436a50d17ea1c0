#include <gtest/gtest.h>
#include <sys/stat.h>

#include "fleet/host_csr.h"
#include "fleet/host_key_agent.h"
#include "providers/pki/x509.h"
#include "tests/unit/test_support.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform::fleet {
namespace {

using json = nlohmann::json;
constexpr UnixTime kNow = 1800000000;
constexpr Seconds kDay = 86400;

// A CA standing in for serve: it signs whatever key a request carries.
struct FakeServe {
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  x509::CertPtr ca;
  int requests = 0;
  UnixTime now = kNow;
  FakeServe() {
    x509::RootCaRequest root;
    root.subject.common_name = "root";
    root.key = key.get();
    root.validity = {kNow - kDay, 3650 * kDay};
    ca = x509::make_root_ca(root);
  }
  RequestCertificate request() {
    return [this](const std::string& body) {
      ++requests;
      x509::CsrPtr csr = parse_signed_csr(json::parse(body).at("csr").get<std::string>());
      x509::LeafRequest leaf;
      leaf.subject.common_name = "web.example";
      leaf.public_key = X509_REQ_get0_pubkey(csr.get());
      leaf.validity = {now, 90 * kDay};
      x509::CertPtr cert = x509::issue_certificate(leaf, ca.get(), key.get());
      return json{{"certificate", x509::certificate_to_pem(cert.get())},
                  {"chain", x509::certificate_to_pem(ca.get())},
                  {"version", "spec:1"}}
          .dump();
    };
  }
};

json deployment(const std::string& rotation = "Always", const std::string& version = "spec:1") {
  return {{"target", "DeploymentTarget/web"},
          {"source", "Certificate/web"},
          {"version", version},
          {"private_key",
           {{"generated_on", "host"},
            {"key_algorithm", "EC_prime256v1"},
            {"encoding", "PKCS8"},
            {"rotation_policy", rotation}}},
          {"renewal", {{"renewBefore", "30d"}}},
          {"files",
           {{{"path", "tls/cert.pem"}, {"content", "fullchain"}, {"mode", 0644}},
            {{"path", "tls/key.pem"}, {"content", "privateKey"}, {"mode", 0600}}}}};
}

std::string file_of(const HostKeyPull& p, const std::string& path) {
  for (const RenderedFile& f : p.files)
    if (f.file.path == path) return std::string(f.content.view());
  return "";
}

std::string held_key(const testing::TempDir& dir) {
  return std::string(read_secret_file(dir.path() / "keys" / "web.key").view());
}

TEST(FleetHostKeyAgent, MakesTheKeyOnceAndRendersTheFilesFromIt) {
  testing::TempDir dir;
  FakeServe serve;
  std::ostringstream out;
  HostKeyPull p = pull_host_key_deployment(dir.path(), deployment(), serve.request(), kNow, out);
  EXPECT_EQ(serve.requests, 1);
  struct stat st {};
  ASSERT_EQ(stat((dir.path() / "keys" / "web.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(file_of(p, "tls/key.pem"), held_key(dir));
  x509::CertPtr cert = x509::certificate_from_pem(file_of(p, "tls/cert.pem"));
  x509::PkeyPtr key = x509::private_key_from_pem(SecretBytes(file_of(p, "tls/key.pem")));
  EXPECT_TRUE(x509::key_matches_certificate(key.get(), cert.get()));
  EXPECT_NE(file_of(p, "tls/cert.pem").find(x509::certificate_to_pem(serve.ca.get())),
            std::string::npos);
  EXPECT_EQ(p.meta.value("serial", ""), x509::serial_hex(cert.get()));
  EXPECT_EQ(p.meta.value("version", ""), x509::fingerprint_sha256(cert.get()));

  // The next pass asks for nothing.
  HostKeyPull again =
      pull_host_key_deployment(dir.path(), deployment(), serve.request(), kNow + kDay, out);
  EXPECT_EQ(serve.requests, 1);
  EXPECT_EQ(again.meta.value("serial", ""), p.meta.value("serial", ""));
}

TEST(FleetHostKeyAgent, RenewsWithinRenewBeforeWithANewKey) {
  testing::TempDir dir;
  FakeServe serve;
  std::ostringstream out;
  HostKeyPull first =
      pull_host_key_deployment(dir.path(), deployment(), serve.request(), kNow, out);
  const std::string first_key = held_key(dir);
  EXPECT_EQ(host_certificate_due(dir.path(), deployment(), kNow + 59 * kDay), "");
  EXPECT_NE(host_certificate_due(dir.path(), deployment(), kNow + 61 * kDay).find("renewal due"),
            std::string::npos);
  serve.now = kNow + 61 * kDay;
  HostKeyPull renewed =
      pull_host_key_deployment(dir.path(), deployment(), serve.request(), kNow + 61 * kDay, out);
  EXPECT_EQ(serve.requests, 2);
  EXPECT_NE(renewed.meta.value("serial", ""), first.meta.value("serial", ""));
  EXPECT_NE(held_key(dir), first_key);
}

TEST(FleetHostKeyAgent, RotationPolicyNeverKeepsTheKey) {
  testing::TempDir dir;
  FakeServe serve;
  std::ostringstream out;
  pull_host_key_deployment(dir.path(), deployment("Never"), serve.request(), kNow, out);
  const std::string first_key = held_key(dir);
  serve.now = kNow + 61 * kDay;
  pull_host_key_deployment(dir.path(), deployment("Never"), serve.request(), kNow + 61 * kDay, out);
  EXPECT_EQ(serve.requests, 2);
  EXPECT_EQ(held_key(dir), first_key);
}

TEST(FleetHostKeyAgent, ANewSpecVersionAsksAgain) {
  testing::TempDir dir;
  FakeServe serve;
  std::ostringstream out;
  pull_host_key_deployment(dir.path(), deployment(), serve.request(), kNow, out);
  EXPECT_NE(host_certificate_due(dir.path(), deployment("Always", "spec:2"), kNow), "");
}

TEST(FleetHostKeyAgent, ARefusalKeepsWhatIsHeld) {
  testing::TempDir dir;
  FakeServe serve;
  std::ostringstream out;
  pull_host_key_deployment(dir.path(), deployment(), serve.request(), kNow, out);
  const std::string key = held_key(dir);
  const std::string cert = read_file(dir.path() / "keys" / "web.crt");
  RequestCertificate refuse = [](const std::string&) -> std::string {
    throw Error("the certificate request was refused: 403 denied");
  };
  EXPECT_THROW(pull_host_key_deployment(dir.path(), deployment(), refuse, kNow + 61 * kDay, out),
               Error);
  EXPECT_EQ(held_key(dir), key);
  EXPECT_EQ(read_file(dir.path() / "keys" / "web.crt"), cert);
}

}  // namespace
}  // namespace keyform::fleet
