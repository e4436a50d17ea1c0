#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/pki/crl.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/revocation_list.h"

namespace keyform::pki {
namespace {

using ::testing::ElementsAre;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
constexpr Seconds kDay = 86400;

nlohmann::json ca_attributes(x509::PkeyPtr* key) {
  *key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  x509::RootCaRequest req;
  req.subject.common_name = "Root";
  req.key = key->get();
  req.validity = {kNow, 365 * kDay};
  return certificate_attributes(x509::make_root_ca(req).get());
}

TEST(RevocationList, FoldingTheSameRevocationTwiceChangesNothing) {
  nlohmann::json attrs = nlohmann::json::object();
  std::vector<Revocation> revs = {{"Certificate/a", "0a", "superseded"},
                                  {"Certificate/b", "0b", "cessationOfOperation"}};
  EXPECT_EQ(fold_revocations(attrs, revs, kNow), 2u);
  EXPECT_EQ(fold_revocations(attrs, revs, kNow + 10), 0u);
  ASSERT_EQ(attrs["revoked_certificates"].size(), 2u);
  EXPECT_EQ(attrs["revoked_certificates"][0]["revoked_at"], kNow);
  EXPECT_EQ(revoked_serials(attrs), (std::set<std::string>{"0a", "0b"}));
}

TEST(RevocationList, CrlNumbersIncreaseAndCountTheList) {
  x509::PkeyPtr key;
  nlohmann::json attrs = ca_attributes(&key);
  regenerate_crl(attrs, key.get(), 7 * kDay, kNow);
  EXPECT_EQ(attrs["crl"]["number"], 1);
  EXPECT_EQ(attrs["crl"]["revoked"], 0);
  fold_revocations(attrs, {{"Certificate/a", "0a", "superseded"}}, kNow);
  regenerate_crl(attrs, key.get(), 7 * kDay, kNow + 1);
  EXPECT_EQ(attrs["crl"]["number"], 2);
  EXPECT_EQ(attrs["crl"]["revoked"], 1);
  EXPECT_EQ(attrs["crl"]["this_update"], kNow + 1);
  EXPECT_EQ(attrs["crl"]["next_update"], kNow + 1 + 7 * kDay);
  x509::CrlPtr crl = x509::crl_from_pem(attrs["crl"]["pem"].get<std::string>());
  EXPECT_EQ(X509_CRL_verify(crl.get(), key.get()), 1);
}

TEST(RevocationList, SettingsDisableDropTheCrl) {
  x509::PkeyPtr key;
  nlohmann::json attrs = ca_attributes(&key);
  CrlSettings on{true, 3 * kDay, "http://crl.example.test/r.crl"};
  apply_crl_settings(attrs, key.get(), on, kNow);
  EXPECT_EQ(attrs["crl_distribution_point"], "http://crl.example.test/r.crl");
  EXPECT_TRUE(attrs.contains("crl"));
  apply_crl_settings(attrs, key.get(), CrlSettings{}, kNow);
  EXPECT_FALSE(attrs.contains("crl"));
  EXPECT_FALSE(attrs.contains("crl_distribution_point"));
}

TEST(RevocationList, RefreshedWithAThirdOfTheValidityLeft) {
  nlohmann::json attrs = {{"crl", {{"this_update", kNow}, {"next_update", kNow + 6 * kDay}}}};
  EXPECT_FALSE(crl_refresh_reason(attrs, kNow + 4 * kDay - 1).has_value());
  auto due = crl_refresh_reason(attrs, kNow + 4 * kDay);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due,
            "CRL expires in 2d (nextUpdate 2027-01-07T00:00:00Z, refreshed with a third of its 6d "
            "validity left)");
  EXPECT_EQ(crl_refresh_reason(attrs, kNow + 7 * kDay)->substr(0, 15), "CRL expired 1d ");
  EXPECT_FALSE(crl_refresh_reason(nlohmann::json::object(), kNow).has_value());
}

TEST(RevocationList, PendingCarriesOnlyWhatTheIssuerStillOwes) {
  nlohmann::json issuer = {{"public_key_sha256", "k1"},
                           {"revoked_certificates", {{{"serial", "01"}}}}};
  nlohmann::json cert = {{"serial", "05"},
                         {"issuer_public_key_sha256", "k1"},
                         {"revocation_pending",
                          {{{"serial", "01"}, {"issuer_public_key_sha256", "k1"}},     // done
                           {{"serial", "02"}, {"issuer_public_key_sha256", "k0"}},     // old key
                           {{"serial", "03"}, {"issuer_public_key_sha256", "k1"}}}}};  // owed
  nlohmann::json renewed = carry_pending_revocations(cert, issuer, /*supersede=*/false);
  ASSERT_EQ(renewed.size(), 1u);
  EXPECT_EQ(renewed[0]["serial"], "03");
  nlohmann::json replaced = carry_pending_revocations(cert, issuer, /*supersede=*/true);
  ASSERT_EQ(replaced.size(), 2u);
  EXPECT_EQ(replaced[1]["serial"], "05");
  EXPECT_EQ(replaced[1]["reason"], "superseded");
  // Issued by a key the CA no longer has: nothing to revoke it with.
  cert["issuer_public_key_sha256"] = "k0";
  EXPECT_EQ(carry_pending_revocations(cert, issuer, true).size(), 1u);
}

TEST(RevocationList, ValidatesSettings) {
  std::vector<std::string> errors;
  auto sink = [&](const std::string& f, const std::string& m) { errors.push_back(f + ": " + m); };
  validate_crl_settings({{"crl", {{"validity", "2h"}, {"distributionPoint", "no uri"}}}}, sink);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].substr(0, 31), "/spec/crl/validity: crl.validit");
  EXPECT_EQ(errors[1].substr(0, 28), "/spec/crl/distributionPoint:");
  errors.clear();
  validate_crl_settings({{"crl", {{"validity", "1d"}, {"distributionPoint", "http://x/y"}}}}, sink);
  EXPECT_TRUE(errors.empty());
}

}  // namespace
}  // namespace keyform::pki
