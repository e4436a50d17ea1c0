// encode_pkcs12: modern algorithms, opens with the password (with the API
// and with the openssl command, which refuses legacy algorithms on
// OpenSSL 3 unless given -legacy), and never with another.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pkcs12.h>

#include <cstdio>
#include <fstream>

#include "providers/builtin.h"
#include "providers/pki/pkcs12.h"
#include "providers/pki/x509.h"
#include "tests/unit/providers_harness.h"
#include "tests/unit/test_support.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z

class Pkcs12Test : public ::testing::Test {
 protected:
  Pkcs12Test() {
    world.put("CertificateAuthority", "root",
              {{"type", "root"}, {"subject", {{"commonName", "R"}}}});
    world.put("Certificate", "web", {{"issuer", "root"}, {"commonName", "web"}});
    world.apply(*ca, "CertificateAuthority/root", ActionType::kCreate, kNow);
    const RecordedResource& cert =
        world.apply(*certs, "Certificate/web", ActionType::kCreate, kNow);
    key = world.keyring().open(object_id(cert, "privateKey"), private_key_context(cert));
    cert_pem = cert.attributes["certificate_pem"].get<std::string>();
    chain_pem = world.state.find("CertificateAuthority/root")->attributes["certificate_pem"];
  }

  SecretBytes encode(const std::string& password) {
    SecretBytes pw(password);
    return encode_pkcs12({key, cert_pem, chain_pem, pw, "Certificate/web"});
  }

  std::unique_ptr<Provider> ca = make_certificate_authority_provider();
  std::unique_ptr<Provider> certs = make_certificate_provider();
  testing::ProviderWorld world;
  SecretBytes key;
  std::string cert_pem, chain_pem;
};

TEST_F(Pkcs12Test, OpensWithThePasswordAndHoldsKeyCertificateAndChain) {
  SecretBytes der = encode("correct horse");
  const unsigned char* p = der.data();
  std::unique_ptr<PKCS12, decltype(&::PKCS12_free)> p12(
      d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())), ::PKCS12_free);
  ASSERT_TRUE(p12);
  EXPECT_FALSE(PKCS12_verify_mac(p12.get(), "wrong", -1));
  ASSERT_TRUE(PKCS12_verify_mac(p12.get(), "correct horse", -1));
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* chain = nullptr;
  ASSERT_TRUE(PKCS12_parse(p12.get(), "correct horse", &pkey, &cert, &chain));
  x509::PkeyPtr k(pkey);
  x509::CertPtr c(cert);
  EXPECT_EQ(x509::fingerprint_sha256(c.get()),
            world.state.find("Certificate/web")->attributes["fingerprint_sha256"]);
  EXPECT_TRUE(x509::key_matches_certificate(k.get(), c.get()));
  ASSERT_TRUE(chain);
  EXPECT_EQ(sk_X509_num(chain), 1);
  sk_X509_pop_free(chain, X509_free);
}

TEST_F(Pkcs12Test, UsesAes256Pbkdf2Sha256AndASha256MacThatOpenSslOpensWithoutLegacy) {
  testing::TempDir dir;
  SecretBytes der = encode("s3cret-pass");
  std::ofstream(dir.path() / "b.p12", std::ios::binary)
      .write(reinterpret_cast<const char*>(der.data()), static_cast<std::streamsize>(der.size()));
  std::string cmd = "openssl pkcs12 -in " + (dir.path() / "b.p12").string() +
                    " -info -noout -passin pass:s3cret-pass 2>&1";
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  ASSERT_TRUE(f);
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  EXPECT_EQ(::pclose(f), 0) << out;
  EXPECT_THAT(out, HasSubstr("MAC: sha256"));
  EXPECT_THAT(out, HasSubstr("PBES2, PBKDF2, AES-256-CBC"));
  EXPECT_THAT(out, HasSubstr("PRF hmacWithSHA256"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("RC2")));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("3DES")));
}

TEST_F(Pkcs12Test, RefusesAKeyThatIsNotTheCertificates) {
  x509::PkeyPtr other = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  SecretBytes other_pem = x509::private_key_to_pem(other.get(), x509::KeyEncoding::kPkcs8);
  SecretBytes pw("x");
  EXPECT_THROW(encode_pkcs12({other_pem, cert_pem, "", pw, ""}), Error);
}

}  // namespace
}  // namespace keyform
