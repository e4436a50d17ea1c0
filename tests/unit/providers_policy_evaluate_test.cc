#include <gtest/gtest.h>

#include "providers/policy/access_analysis.h"
#include "providers/policy/actions.h"
#include "providers/policy/evaluate.h"
#include "providers/policy/grants.h"
#include "util/error.h"

namespace keyform::policy {
namespace {

using nlohmann::json;

const std::string kB = "account:444455556666/role:apache";

Resource resource(const std::string& kind, const std::string& name, json spec) {
  Resource r;
  r.kind = kind;
  r.name = name;
  r.spec = std::move(spec);
  r.pos = SourcePos{name + ".yaml", 1, 1};
  return r;
}

// A statement with a position, as the loader would record it.
json statement(const std::string& sid, const std::string& effect, json principals, json actions) {
  return {{"sid", sid}, {"effect", effect}, {"principals", principals}, {"actions", actions}};
}

class EvaluateTest : public ::testing::Test {
 protected:
  EvaluateTest() { config.project.account = "111122223333"; }
  void add(Resource r) {
    config.by_address[r.address()] = config.resources.size();
    config.resources.push_back(std::move(r));
  }
  // A vector, not a json: `{statement(...)}` with one element would
  // copy-initialise a json object (CWG 2137, as clang reads it), not an array.
  void add_policy(const std::string& name, const std::string& on, std::vector<json> statements,
                  bool allow_public = false) {
    Resource r = resource(
        "ResourcePolicy", name,
        {{"resource", on}, {"statements", json(statements)}, {"allowPublic", allow_public}});
    for (size_t i = 0; i < statements.size(); ++i)
      r.marks["/spec/statements/" + std::to_string(i)] =
          SourcePos{"policies/" + name + ".yaml", static_cast<int>(10 + 5 * i), 7};
    add(std::move(r));
  }
  Decision check(const std::string& principal, const std::string& action, const std::string& on,
                 const Context& context = {}) {
    return authorize(config, principal, action, on, context);
  }
  Config config;
};

TEST_F(EvaluateTest, ExplicitDenyWinsOverAnAllow) {
  add(resource("KmsKey", "k", json::object()));
  add_policy("k", "KmsKey/k",
             {statement("AllowAll", "Allow", {"account:444455556666/role:*"}, {"kms:*"}),
              statement("DenyApache", "Deny", {kB}, {"kms:Decrypt"})});
  Decision d = check(kB, "kms:Decrypt", "KmsKey/k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.sid, "DenyApache");
  EXPECT_EQ(d.pos.str(), "policies/k.yaml:15:7");
  EXPECT_TRUE(check(kB, "kms:Encrypt", "KmsKey/k").allowed);
}

TEST_F(EvaluateTest, DenyBindsTheOwnerToo) {
  add(resource("KmsKey", "k", json::object()));
  EXPECT_TRUE(check("account:111122223333/role:ops", "kms:Decrypt", "KmsKey/k").allowed);
  add_policy("k", "KmsKey/k",
             {statement("NoOps", "Deny", {"account:111122223333/role:ops"}, {"kms:Decrypt"})});
  Decision d = check("account:111122223333/role:ops", "kms:Decrypt", "KmsKey/k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.basis, Decision::Basis::kStatement);
  Decision owner = check("account:111122223333/role:dev", "kms:Decrypt", "KmsKey/k");
  EXPECT_TRUE(owner.allowed);
  EXPECT_EQ(owner.because(), "account 111122223333 owns KmsKey/k");
}

TEST_F(EvaluateTest, AnotherAccountIsImplicitlyDenied) {
  add(resource("KmsKey", "k", json::object()));
  Decision d = check(kB, "kms:Decrypt", "KmsKey/k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.basis, Decision::Basis::kNoStatement);
  EXPECT_EQ(d.because(), "no statement allows it");
}

TEST_F(EvaluateTest, GlobsInPrincipalsAndActions) {
  add(resource("KmsKey", "k", json::object()));
  add_policy("k", "KmsKey/k",
             {statement("Web", "Allow", {"account:4444*/role:web-?"}, {"kms:De*"})});
  EXPECT_TRUE(check("account:444455556666/role:web-1", "kms:Decrypt", "KmsKey/k").allowed);
  EXPECT_FALSE(check("account:444455556666/role:web-12", "kms:Decrypt", "KmsKey/k").allowed);
  EXPECT_FALSE(check("account:444455556666/role:web-1", "kms:Encrypt", "KmsKey/k").allowed);
  EXPECT_FALSE(check("account:5/role:web-1", "kms:Decrypt", "KmsKey/k").allowed);
}

TEST_F(EvaluateTest, TemplateConditionOnIssueCertificate) {
  add(resource("CertificateAuthority", "root", json::object()));
  json s = statement("Ci", "Allow", {"account:444455556666/role:ci"}, {"pki:IssueCertificate"});
  s["conditions"] = {{"StringEquals", {{"pki:Template", "EndEntityServerAuthCertificate"}}}};
  add_policy("root", "CertificateAuthority/root", {s});
  const std::string ci = "account:444455556666/role:ci";
  EXPECT_TRUE(check(ci, "pki:IssueCertificate", "CertificateAuthority/root",
                    {{"pki:Template", "EndEntityServerAuthCertificate"}})
                  .allowed);
  EXPECT_FALSE(check(ci, "pki:IssueCertificate", "CertificateAuthority/root",
                     {{"pki:Template", "CodeSigningCertificate"}})
                   .allowed);
  // No template in the request: StringEquals cannot hold.
  EXPECT_FALSE(check(ci, "pki:IssueCertificate", "CertificateAuthority/root").allowed);
}

TEST_F(EvaluateTest, NegatedConditionHoldsWhenTheKeyIsAbsent) {
  add(resource("CertificateAuthority", "root", json::object()));
  json s = statement("NoCodeSigning", "Deny", {"*"}, {"pki:IssueCertificate"});
  s["conditions"] = {{"StringLike", {{"pki:Template", "Code*"}}}};
  json a = statement("Ci", "Allow", {"account:444455556666/role:ci"}, {"pki:*"});
  a["conditions"] = {{"StringNotEquals", {{"keyform:PrincipalAccount", "999"}}}};
  add_policy("root", "CertificateAuthority/root", {s, a}, /*allow_public=*/true);
  const std::string ci = "account:444455556666/role:ci";
  Decision code = check(ci, "pki:IssueCertificate", "CertificateAuthority/root",
                        {{"pki:Template", "CodeSigningCertificate"}});
  EXPECT_FALSE(code.allowed);
  EXPECT_EQ(code.sid, "NoCodeSigning");
  EXPECT_TRUE(check(ci, "pki:GetCertificate", "CertificateAuthority/root").allowed);
}

TEST_F(EvaluateTest, CrossAccountSecretReadNeedsBothPolicies) {
  add(resource("KmsKey", "ca-key", json::object()));
  add(resource("Secret", "web-tls", {{"kmsKey", "ca-key"}}));
  add_policy("web-tls", "Secret/web-tls",
             {statement("ShareWithB", "Allow", {kB}, {"secret:GetSecretValue"})});
  Decision half = check(kB, "secret:GetSecretValue", "Secret/web-tls");
  EXPECT_FALSE(half.allowed);
  EXPECT_EQ(half.action, "kms:Decrypt");
  EXPECT_EQ(half.resource, "KmsKey/ca-key");
  ASSERT_EQ(half.steps.size(), 2u);
  EXPECT_TRUE(half.steps[0].allowed);
  add_policy("ca-key", "KmsKey/ca-key", {statement("DecryptForB", "Allow", {kB}, {"kms:Decrypt"})});
  Decision both = check(kB, "secret:GetSecretValue", "Secret/web-tls");
  EXPECT_TRUE(both.allowed);
  EXPECT_EQ(both.steps[1].sid, "DecryptForB");
}

TEST_F(EvaluateTest, MalformedRequestsAreErrors) {
  add(resource("KmsKey", "k", json::object()));
  EXPECT_THROW(check("account:*/role:x", "kms:Decrypt", "KmsKey/k"), Error);
  EXPECT_THROW(check(kB, "kms:Decrypt", "KmsKey/nope"), Error);
  EXPECT_THROW(check(kB, "kms:Decryptt", "KmsKey/k"), Error);
  EXPECT_THROW(check(kB, "secret:GetSecretValue", "KmsKey/k"), Error);
  EXPECT_THROW(check(kB, "kms:Decrypt", "Certificate/web"), Error);
}

TEST_F(EvaluateTest, DeploymentNeedsDecryptOfTheSealingKey) {
  add(resource("KmsKey", "ca-key", json::object()));
  add(resource("CertificateAuthority", "root", json::object()));
  add(resource("Certificate", "web", {{"issuer", "root"}, {"kmsKey", "ca-key"}}));
  json files = json::array({{{"path", "k.pem"}, {"content", "privateKey"}}});
  add(resource("DeploymentTarget", "web",
               {{"principal", kB}, {"source", "Certificate/web"}, {"files", files}}));
  add_policy("root", "CertificateAuthority/root",
             {statement("Get", "Allow", {kB}, {"pki:GetCertificate"})});
  std::vector<std::string> errors;
  auto sink = [&](size_t, const std::string& field, const std::string& message) {
    errors.push_back(field + " " + message);
  };
  analyze_deployment_access(config, sink);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            "/spec/principal " + kB +
                " has pki:GetCertificate on CertificateAuthority/root but lacks kms:Decrypt on "
                "KmsKey/ca-key: add a statement to a ResourcePolicy on KmsKey/ca-key");
  add_policy("ca-key", "KmsKey/ca-key", {statement("Dec", "Allow", {kB}, {"kms:Decrypt"})});
  errors.clear();
  analyze_deployment_access(config, sink);
  EXPECT_TRUE(errors.empty());
}

TEST(PolicyVocabulary, PublicPrincipals) {
  EXPECT_TRUE(public_principal("*"));
  EXPECT_TRUE(public_principal("account:*/role:apache"));
  EXPECT_TRUE(public_principal("account:1?3/role:apache"));
  EXPECT_FALSE(public_principal("account:123/role:*"));
  EXPECT_TRUE(valid_principal("account:123/role:web-*", true));
  EXPECT_FALSE(valid_principal("account:123/role:web-*", false));
  EXPECT_FALSE(valid_principal("role:web", true));
  EXPECT_FALSE(valid_principal("account:123/user:x", true));
}

TEST(PolicyVocabulary, GlobMatch) {
  EXPECT_TRUE(glob_match("kms:*", "kms:Decrypt"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*b*c", "axxbyyc"));
  EXPECT_FALSE(glob_match("a*b*c", "axxbyy"));
  EXPECT_FALSE(glob_match("kms:decrypt", "kms:Decrypt"));
}

TEST(PolicyGrants, DescribesWhatBecameReadable) {
  Policy p;
  p.resource = "Secret/web-tls";
  Statement s;
  s.sid = "B";
  s.principals = {kB};
  s.actions = {"secret:*"};
  p.statements = {s};
  std::vector<Grant> g = effective_grants(p);
  ASSERT_EQ(g.size(), 2u);  // both secret actions
  std::string text;
  for (const Grant& x : g)
    if (x.action == "secret:GetSecretValue") text = describe_grant(x, true);
  EXPECT_EQ(text, "Secret/web-tls now readable by " + kB);
  EXPECT_EQ(grants_from_json(grants_json(g)), g);
}

}  // namespace
}  // namespace keyform::policy
