#include <gtest/gtest.h>

#include "providers/pki/ca_import.h"
#include "providers/pki/x509_ca.h"
#include "tests/unit/test_support.h"
#include "util/error.h"

namespace keyform::pki {
namespace {

constexpr UnixTime kNow = 1798761600;

TEST(CaImport, KeyAlgorithmName) {
  EXPECT_EQ(key_algorithm_name(x509::generate_key(x509::KeyAlgorithm::kEcP384).get()),
            "EC_secp384r1");
  EXPECT_EQ(key_algorithm_name(x509::generate_key(x509::KeyAlgorithm::kRsa2048).get()), "RSA_2048");
  EXPECT_EQ(key_algorithm_name(x509::generate_key(x509::KeyAlgorithm::kEd25519).get()), "ED25519");
}

class CaImportTest : public ::testing::Test {
 protected:
  CaImportTest() {
    config.dir = dir.path();
    x509::RootCaRequest req;
    req.subject.common_name = "Imported";
    req.key = key.get();
    req.validity = {kNow - 10, 365 * 86400};
    dir.write("ca.pem", x509::certificate_to_pem(x509::make_root_ca(req).get()));
    dir.write("ca.key",
              std::string(x509::private_key_to_pem(key.get(), x509::KeyEncoding::kPkcs8).view()));
    dir.write("other.key",
              std::string(x509::private_key_to_pem(other.get(), x509::KeyEncoding::kPkcs1).view()));
    ca.kind = "CertificateAuthority";
    ca.name = "imp";
  }
  void use(const std::string& key_file) {
    ca.spec = {{"type", "root"}, {"import", {{"certificate", "ca.pem"}, {"privateKey", key_file}}}};
  }

  testing::TempDir dir;
  Config config;
  Resource ca;
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  x509::PkeyPtr other = x509::generate_key(x509::KeyAlgorithm::kEcP256);
};

TEST_F(CaImportTest, ReadsAMatchingPair) {
  use("ca.key");
  ImportedCa imported = read_imported_ca(config, ca, kNow);
  EXPECT_EQ(imported.key_algorithm, "EC_prime256v1");
  EXPECT_TRUE(x509::key_matches_certificate(imported.key.get(), imported.cert.get()));
  EXPECT_EQ(imported.chain_pem, "");
}

TEST_F(CaImportTest, RefusesAForeignKeyAndAWrongAlgorithm) {
  use("other.key");
  try {
    read_imported_ca(config, ca, kNow);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not belong to the certificate in ca.pem"),
              std::string::npos);
  }
  use("ca.key");
  ca.spec["keyAlgorithm"] = "RSA_2048";
  EXPECT_THROW(read_imported_ca(config, ca, kNow), Error);
  ca.spec.erase("keyAlgorithm");
  EXPECT_THROW(read_imported_ca(config, ca, kNow + 2 * 365 * 86400), Error);  // expired
  ca.spec["type"] = "subordinate";                                            // needs a chain
  EXPECT_THROW(read_imported_ca(config, ca, kNow), Error);
}

TEST_F(CaImportTest, ValidateChecksTheCertificateOnly) {
  use("missing.key");
  std::vector<std::string> errors;
  DiagnosticSink sink = [&](const std::string& f, const std::string& m) {
    errors.push_back(f + ": " + m);
  };
  validate_import(ca, config, sink);
  EXPECT_TRUE(errors.empty());
  dir.write("ca.pem", "not a certificate");
  validate_import(ca, config, sink);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("/spec/import/certificate: ", 0), 0u);
}

}  // namespace
}  // namespace keyform::pki
