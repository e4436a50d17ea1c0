// The contents a DeploymentTarget can write: which sources give them, PEM
// and DER, combined, and the CRL and trust bundle read from hand-made
// recorded entries (the contract with the CA's crl and TrustBundle's pem).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "providers/builtin.h"
#include "providers/deploy/deploy_contents.h"
#include "providers/pki/x509.h"
#include "tests/unit/providers_harness.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z

DeployedFile file(const std::string& content, const std::string& format = "pem") {
  DeployedFile f;
  f.path = "out/x";
  f.content = content;
  f.format = format;
  return f;
}

class DeployContentsTest : public ::testing::Test {
 protected:
  DeployContentsTest() {
    world.put("CertificateAuthority", "root",
              {{"type", "root"}, {"subject", {{"commonName", "R"}}}});
    world.put("Certificate", "web", {{"issuer", "root"}, {"commonName", "web"}});
    world.apply(*ca, "CertificateAuthority/root", ActionType::kCreate, kNow);
    world.apply(*certs, "Certificate/web", ActionType::kCreate, kNow);
  }
  const RecordedResource& web() { return *world.state.find("Certificate/web"); }
  const RecordedResource& root() { return *world.state.find("CertificateAuthority/root"); }
  ContentInputs inputs() { return {web(), {&root()}, &world.keyring(), {}}; }
  std::string pem(const RecordedResource& r) { return r.attributes["certificate_pem"]; }

  std::unique_ptr<Provider> ca = make_certificate_authority_provider();
  std::unique_ptr<Provider> certs = make_certificate_provider();
  testing::ProviderWorld world;
};

TEST_F(DeployContentsTest, PemContents) {
  EXPECT_EQ(render_content(file("certificate"), inputs()).view(), pem(web()));
  EXPECT_EQ(render_content(file("chain"), inputs()).view(), pem(root()));
  EXPECT_EQ(render_content(file("fullchain"), inputs()).view(), pem(web()) + pem(root()));
  EXPECT_THAT(std::string(render_content(file("privateKey"), inputs()).view()),
              StartsWith("-----BEGIN PRIVATE KEY-----"));
}

TEST_F(DeployContentsTest, CombinedIsKeyThenCertificateThenChain) {
  SecretBytes key = render_content(file("privateKey"), inputs());
  SecretBytes combined = render_content(file("combined"), inputs());
  EXPECT_EQ(combined.view(), std::string(key.view()) + pem(web()) + pem(root()));
}

TEST_F(DeployContentsTest, DerCertificateAndKeyParse) {
  SecretBytes der = render_content(file("certificate", "der"), inputs());
  const unsigned char* p = der.data();
  x509::CertPtr c(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ASSERT_TRUE(c);
  EXPECT_EQ(x509::fingerprint_sha256(c.get()), web().attributes["fingerprint_sha256"]);
  SecretBytes key_der = render_content(file("privateKey", "der"), inputs());
  p = key_der.data();
  x509::PkeyPtr k(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(key_der.size())));
  ASSERT_TRUE(k);
  EXPECT_TRUE(x509::key_matches_certificate(k.get(), c.get()));
}

TEST_F(DeployContentsTest, ACaSourceSignedOutsideKeyformCarriesItsInstalledChain) {
  RecordedResource ext = root();  // stands in for an installed external CA
  ext.attributes["external_chain_pem"] = pem(web());
  ContentInputs in{ext, {}, nullptr, {}};
  EXPECT_EQ(render_content(file("chain"), in).view(), pem(web()));
  EXPECT_EQ(render_content(file("fullchain"), in).view(), pem(root()) + pem(web()));
}

TEST_F(DeployContentsTest, CrlFromTheCasRecordedEntry) {
  RecordedResource ca_entry = root();
  ca_entry.attributes["crl"] = {{"pem", "-----BEGIN X509 CRL-----\nAAEC\n-----END X509 CRL-----\n"},
                                {"number", 7},
                                {"this_update", "2027-01-01T00:00:00Z"},
                                {"next_update", "2027-01-08T00:00:00Z"},
                                {"revoked", 0}};
  ContentInputs in{ca_entry, {}, nullptr, {}};
  EXPECT_THAT(std::string(render_content(file("crl"), in).view()), HasSubstr("X509 CRL"));
  SecretBytes der = render_content(file("crl", "der"), in);
  EXPECT_EQ(std::string(der.view()), std::string("\x00\x01\x02", 3));

  ContentInputs no_crl{root(), {}, nullptr, {}};
  try {
    render_content(file("crl"), no_crl);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("CertificateAuthority/root has no CRL recorded"));
  }
}

TEST_F(DeployContentsTest, BundleFromATrustBundlesRecordedEntry) {
  RecordedResource bundle;
  bundle.kind = "TrustBundle";
  bundle.name = "clients";
  bundle.attributes["pem"] = pem(root()) + pem(root());
  ContentInputs in{bundle, {}, nullptr, {}};
  EXPECT_EQ(render_content(file("bundle"), in).view(), pem(root()) + pem(root()));
}

TEST_F(DeployContentsTest, Pkcs12NeedsAPasswordSource) {
  EXPECT_THROW(render_content(file("pkcs12"), inputs()), Error);
  ContentInputs in = inputs();
  in.password = [](const DeployedFile&) { return SecretBytes(std::string_view("pw")); };
  SecretBytes der = render_content(file("pkcs12"), in);
  EXPECT_GT(der.size(), 100u);
}

TEST(DeployContentsCheck, EachContentComesFromItsSources) {
  EXPECT_FALSE(check_content("Certificate", file("combined")));
  EXPECT_FALSE(check_content("CertificateAuthority", file("crl", "der")));
  EXPECT_FALSE(check_content("TrustBundle", file("bundle")));
  EXPECT_THAT(check_content("CertificateAuthority", file("privateKey"))->message,
              HasSubstr("a CA's key never leaves the store"));
  EXPECT_THAT(check_content("Certificate", file("crl"))->message,
              HasSubstr("crl is deployed from a CertificateAuthority, not a Certificate"));
  EXPECT_THAT(check_content("TrustBundle", file("certificate"))->message,
              HasSubstr("not a TrustBundle"));
  auto der_chain = check_content("Certificate", file("fullchain", "der"));
  EXPECT_EQ(der_chain->field, "format");
  EXPECT_THAT(check_content("Certificate", file("field:password"))->message,
              HasSubstr("field:password is deployed from a Secret, not a Certificate"));
  EXPECT_FALSE(check_content("Secret", file("value")));
  EXPECT_FALSE(check_content("Secret", file("field:password")));
  EXPECT_THAT(check_content("Secret", file("certificate"))->message, HasSubstr("not a Secret"));
  EXPECT_THAT(check_content("Certificate", file("pkcs12"))->message, HasSubstr("passwordFrom"));
  DeployedFile p12 = file("pkcs12");
  p12.password_secret = "p12-password";
  p12.password_field = "password";
  EXPECT_FALSE(check_content("Certificate", p12));
  DeployedFile stray = file("certificate");
  stray.password_secret = "p12-password";
  EXPECT_EQ(check_content("Certificate", stray)->field, "passwordFrom");
}

TEST(DeployContentsCheck, SecretContentsGetNoDigest) {
  EXPECT_TRUE(is_secret_content("privateKey"));
  EXPECT_TRUE(is_secret_content("combined"));
  EXPECT_TRUE(is_secret_content("pkcs12"));
  EXPECT_TRUE(is_secret_content("field:x"));
  EXPECT_FALSE(is_secret_content("crl"));
  EXPECT_FALSE(is_secret_content("bundle"));
}

}  // namespace
}  // namespace keyform
