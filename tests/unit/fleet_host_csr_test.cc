#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "fleet/host_csr.h"
#include "providers/pki/x509.h"
#include "util/error.h"

namespace keyform::fleet {
namespace {

Resource web_certificate() {
  Resource r;
  r.kind = "Certificate";
  r.name = "web";
  r.spec = {{"issuer", "root"},
            {"commonName", "web.b.example"},
            {"dnsNames", {"web.b.example", "www.b.example"}},
            {"ipAddresses", {"127.0.0.1"}},
            {"privateKey", {{"generatedOn", "host"}}}};
  return r;
}

const AgentIdentity kAgent{"444455556666", "apache", "web-b1"};

// A request signed by `key`, with a CN when not empty and the SANs in
// openssl.cnf syntax ("DNS:a,IP:127.0.0.1") when not empty.
x509::CsrPtr request(EVP_PKEY* key, const std::string& cn, const std::string& sans) {
  x509::CsrPtr csr(X509_REQ_new());
  X509_REQ_set_version(csr.get(), X509_REQ_VERSION_1);
  if (!cn.empty())
    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(csr.get()), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  if (!sans.empty()) {
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    sk_X509_EXTENSION_push(
        exts, X509V3_EXT_nconf_nid(nullptr, nullptr, NID_subject_alt_name, sans.c_str()));
    X509_REQ_add_extensions(csr.get(), exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  X509_REQ_set_pubkey(csr.get(), key);
  X509_REQ_sign(csr.get(), key, EVP_sha256());
  return csr;
}

std::string pem_of(X509_REQ* csr) { return x509::csr_to_pem(csr); }

TEST(FleetHostCsr, TheAgentsOwnRequestPassesAndRoundTrips) {
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  x509::CsrPtr csr = parse_signed_csr(pem_of(make_host_csr(key.get()).get()));
  auto no = check_host_csr(csr.get(), web_certificate(), kAgent);
  EXPECT_FALSE(no) << no->message;
  EXPECT_EQ(EVP_PKEY_eq(X509_REQ_get0_pubkey(csr.get()), key.get()), 1);
}

TEST(FleetHostCsr, Ed25519RequestsAreSignedAndChecked) {
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEd25519);
  Resource cert = web_certificate();
  cert.spec["keyAlgorithm"] = "ED25519";
  x509::CsrPtr csr = parse_signed_csr(pem_of(make_host_csr(key.get()).get()));
  auto no = check_host_csr(csr.get(), cert, kAgent);
  EXPECT_FALSE(no) << no->message;
}

TEST(FleetHostCsr, RepeatingTheSpecsNamesExactlyPasses) {
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  x509::CsrPtr csr =
      request(key.get(), "web.b.example", "DNS:www.b.example,IP:127.0.0.1,DNS:web.b.example");
  auto no = check_host_csr(csr.get(), web_certificate(), kAgent);
  EXPECT_FALSE(no) << no->message;
}

TEST(FleetHostCsr, OtherNamesAreRefusedWith400) {
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  for (const auto& [cn, sans] : std::vector<std::pair<std::string, std::string>>{
           {"", "DNS:web.b.example,DNS:www.b.example,IP:127.0.0.1,DNS:evil.example"},
           {"", "DNS:web.b.example"},
           {"", "DNS:web.b.example,DNS:www.b.example,IP:127.0.0.2"},
           {"bank.example", ""},
       }) {
    auto no = check_host_csr(request(key.get(), cn, sans).get(), web_certificate(), kAgent);
    ASSERT_TRUE(no) << cn << " " << sans;
    EXPECT_EQ(no->status, 400);
    EXPECT_EQ(no->code, "csr_names_mismatch");
    EXPECT_NE(no->message.find("Certificate/web"), std::string::npos) << no->message;
  }
}

TEST(FleetHostCsr, AnotherAgentsIdentityIsRefusedWith403) {
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  auto no = check_host_csr(
      request(key.get(), "", "URI:keyform://account/777788889999/role/apache/host/web-c1").get(),
      web_certificate(), kAgent);
  ASSERT_TRUE(no);
  EXPECT_EQ(no->status, 403);
  EXPECT_EQ(no->code, "csr_identity_mismatch");
  EXPECT_NE(no->message.find("account:777788889999/role:apache on host web-c1"), std::string::npos)
      << no->message;
}

TEST(FleetHostCsr, AKeyOfAnotherAlgorithmIsRefused) {
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP384);
  auto no = check_host_csr(make_host_csr(key.get()).get(), web_certificate(), kAgent);
  ASSERT_TRUE(no);
  EXPECT_EQ(no->code, "wrong_key_algorithm");
  EXPECT_NE(no->message.find("EC_secp384r1"), std::string::npos) << no->message;
  EXPECT_NE(no->message.find("EC_prime256v1"), std::string::npos) << no->message;
}

TEST(FleetHostCsr, ARequestWhoseSignatureFailsIsRefused) {
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  x509::PkeyPtr other = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  x509::CsrPtr csr(X509_REQ_new());
  X509_REQ_set_version(csr.get(), X509_REQ_VERSION_1);
  X509_REQ_set_pubkey(csr.get(), key.get());
  X509_REQ_sign(csr.get(), other.get(), EVP_sha256());  // not by the key it carries
  EXPECT_THROW(parse_signed_csr(pem_of(csr.get())), Error);
  EXPECT_THROW(parse_signed_csr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"), Error);
}

TEST(FleetHostCsr, KeyAlgorithmNamesFollowTheSchema) {
  for (const char* name : {"EC_prime256v1", "EC_secp384r1", "RSA_2048", "ED25519"}) {
    x509::PkeyPtr key = x509::generate_key(*x509::key_algorithm_from_name(name));
    EXPECT_EQ(key_algorithm_name(key.get()), name);
  }
}

}  // namespace
}  // namespace keyform::fleet
