// Validation of ResourcePolicy documents (beyond the schema).
#include <gtest/gtest.h>

#include "providers/provider.h"

namespace keyform {
namespace {

using nlohmann::json;

std::vector<std::string> validate(json spec) {
  Resource r;
  r.kind = "ResourcePolicy";
  r.name = "p";
  r.spec = std::move(spec);
  Config config;
  std::vector<std::string> errors;
  builtin_providers()
      .find("ResourcePolicy")
      ->validate(r, config, [&](const std::string& field, const std::string& message) {
        errors.push_back(field + ": " + message);
      });
  return errors;
}

json one(json principals, json actions) {
  return json::array(
      {{{"sid", "S"}, {"effect", "Allow"}, {"principals", principals}, {"actions", actions}}});
}

TEST(ResourcePolicyValidate, RefusesPublicPrincipalsUnlessAllowed) {
  auto errors = validate({{"resource", "KmsKey/k"}, {"statements", one({"*"}, {"kms:Decrypt"})}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("/spec/statements/0/principals/0: \"*\" is a public principal"),
            std::string::npos);
  errors = validate(
      {{"resource", "KmsKey/k"}, {"statements", one({"account:*/role:apache"}, {"kms:Decrypt"})}});
  EXPECT_EQ(errors.size(), 1u);
  EXPECT_TRUE(validate({{"resource", "KmsKey/k"},
                        {"allowPublic", true},
                        {"statements", one({"*"}, {"kms:Decrypt"})}})
                  .empty());
}

TEST(ResourcePolicyValidate, RefusesUnknownAndMisplacedActions) {
  auto errors = validate(
      {{"resource", "KmsKey/k"}, {"statements", one({"account:1/role:a"}, {"kms:Decrypto"})}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("unknown action \"kms:Decrypto\" (did you mean \"kms:Decrypt\"?)"),
            std::string::npos);
  errors = validate({{"resource", "KmsKey/k"},
                     {"statements", one({"account:1/role:a"}, {"secret:GetSecretValue"})}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("does not apply on a KmsKey"), std::string::npos);
  errors =
      validate({{"resource", "KmsKey/k"}, {"statements", one({"account:1/role:a"}, {"pki:*"})}});
  EXPECT_EQ(errors.size(), 1u);
}

TEST(ResourcePolicyValidate, RefusesMalformedPrincipalsAndConditions) {
  json s = one({"role:apache"}, {"pki:GetCertificate"});
  s[0]["conditions"] = {{"StringEquals", {{"pki:Template", "EndEntityCertificate"}}}};
  auto errors = validate({{"resource", "CertificateAuthority/root"}, {"statements", s}});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("expected a principal like account:<id>/role:<name>"),
            std::string::npos);
  EXPECT_NE(errors[1].find("pki:Template is only set on pki:IssueCertificate requests"),
            std::string::npos);
  EXPECT_EQ(validate({{"resource", "Certificate/web"}, {"statements", s}}).size(), 1u);
}

}  // namespace
}  // namespace keyform
