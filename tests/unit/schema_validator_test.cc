#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "schema/catalog.h"
#include "schema/validator.h"
#include "schema/yaml_json.h"

namespace keyform::schema {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Keeps the stream alive for the node handed out.
struct Doc {
  std::unique_ptr<yaml::Stream> stream;
  yaml::Node root() const { return stream->document(0); }
};

Doc parse(const std::string& text) { return Doc{yaml::Stream::parse(text)}; }

std::vector<SchemaError> check(const std::string& kind, const std::string& text) {
  Doc d = parse(text);
  const json* schema = schema_for(kind);
  EXPECT_NE(schema, nullptr) << kind;
  return validate(d.root(), *schema);
}

// "line:col message", the way a test reads best.
std::vector<std::string> summary(const std::vector<SchemaError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors)
    out.push_back(std::to_string(e.mark.line) + ":" + std::to_string(e.mark.column) + " " +
                  e.message);
  return out;
}

const char* kCertificate = R"(kind: Certificate
name: web
description: the web server
tags: {owner: team-web}
dependsOn: [KmsKey/main]
deletionProtection: true
spec:
  issuer: root
  template: EndEntityServerAuthCertificate
  commonName: web.example.com
  dnsNames: [web.example.com, www.example.com]
  keyAlgorithm: EC_prime256v1
  signingHash: sha256
  validity: 90d
  renewBefore: 30d
  privateKey: {rotationPolicy: Always, encoding: PKCS8}
)";

TEST(SchemaValidator, AcceptsAValidCertificate) {
  EXPECT_THAT(check("Certificate", kCertificate), ElementsAre());
}

TEST(SchemaValidator, EnumSuggestsTheNearestValue) {
  EXPECT_THAT(summary(check("Certificate", R"(kind: Certificate
name: web
spec:
  issuer: root
  keyAlgorithm: EC_prime265v1
)")),
              ElementsAre("5:17 spec.keyAlgorithm: expected one of EC_prime256v1, EC_secp384r1, "
                          "RSA_2048, RSA_3072, RSA_4096, ED25519 (got \"EC_prime265v1\"; did you "
                          "mean \"EC_prime256v1\"?)"));
}

TEST(SchemaValidator, UnknownFieldSuggestsTheNearestField) {
  auto errors = check("Certificate", R"(kind: Certificate
name: web
spec:
  issuer: root
  dnsName: [a.example.com]
)");
  EXPECT_THAT(summary(errors),
              ElementsAre("5:3 unknown field \"dnsName\" in spec (did you mean \"dnsNames\"?)"));
  EXPECT_EQ(errors[0].pointer, "/spec/dnsName");
}

TEST(SchemaValidator, AMisplacedFieldSaysWhereItBelongs) {
  // A CA's signingAlgorithm on a Certificate: the schema's
  // unknownPropertyMessages points at signingHash.
  EXPECT_THAT(summary(check("Certificate", R"(kind: Certificate
name: web
spec:
  issuer: root
  signingAlgorithm: SHA384WITHECDSA
)")),
              ElementsAre("5:3 unknown field \"signingAlgorithm\" in spec: the hash a Certificate "
                          "is signed with is signingHash (sha256, sha384 or sha512); "
                          "signingAlgorithm is a CertificateAuthority field, for the CA's own "
                          "certificate"));
}

TEST(SchemaValidator, UnknownTopLevelField) {
  EXPECT_THAT(summary(check("Certificate", "kind: Certificate\nname: web\nspc: {issuer: root}\n")),
              ElementsAre("3:1 unknown field \"spc\" (did you mean \"spec\"?)",
                          "1:1 missing required field \"spec\""));
}

TEST(SchemaValidator, BadDurationSaysWhatADurationLooksLike) {
  EXPECT_THAT(summary(check("Certificate", R"(kind: Certificate
name: web
spec:
  issuer: root
  validity: ninety days
)")),
              ElementsAre("5:13 spec.validity: expected a duration like 90d, 12h, 1y (got "
                          "\"ninety days\")"));
}

TEST(SchemaValidator, MissingRequiredFieldPointsAtItsParent) {
  EXPECT_THAT(summary(check("Certificate", R"(kind: Certificate
name: web
spec:
  commonName: web.example.com
)")),
              ElementsAre("3:1 missing required field \"issuer\" in spec"));
}

TEST(SchemaValidator, WrongTypeNamesExpectedAndActual) {
  auto errors = check("Certificate", R"(kind: Certificate
name: web
spec:
  issuer: root
  dnsNames: web.example.com
  subject: [x]
)");
  EXPECT_THAT(summary(errors),
              ElementsAre("5:13 spec.dnsNames: expected a list (got \"web.example.com\")",
                          "6:12 spec.subject: expected a mapping (got a list)"));
  EXPECT_EQ(errors[0].pointer, "/spec/dnsNames");
}

TEST(SchemaValidator, EmptyValuePointsAtItsKey) {
  EXPECT_THAT(summary(check("Certificate", R"(kind: Certificate
name: web
spec:
  issuer: root
  commonName:
)")),
              ElementsAre("5:3 spec.commonName: expected a string (got nothing)"));
}

TEST(SchemaValidator, IntegerAcceptsPlainScalarsOnly) {
  const char* base =
      "kind: CertificateAuthority\nname: root\nspec:\n  type: root\n"
      "  subject: {commonName: Root}\n  pathLength: ";
  EXPECT_THAT(check("CertificateAuthority", std::string(base) + "1\n"), ElementsAre());
  EXPECT_THAT(summary(check("CertificateAuthority", std::string(base) + "\"1\"\n")),
              ElementsAre("6:15 spec.pathLength: expected an integer (got \"1\"; remove the "
                          "quotes)"));
  EXPECT_THAT(summary(check("CertificateAuthority", std::string(base) + "one\n")),
              ElementsAre("6:15 spec.pathLength: expected an integer (got \"one\")"));
  EXPECT_THAT(summary(check("CertificateAuthority", std::string(base) + "11\n")),
              ElementsAre("6:15 spec.pathLength: expected an integer from 0 to 10 (got 11)"));
}

TEST(SchemaValidator, BooleanAcceptsTrueAndFalse) {
  const char* base = "kind: KmsKey\nname: main\nspec:\n  enabled: ";
  EXPECT_THAT(check("KmsKey", std::string(base) + "false\n"), ElementsAre());
  EXPECT_THAT(summary(check("KmsKey", std::string(base) + "no\n")),
              ElementsAre("4:12 spec.enabled: expected true or false (got \"no\")"));
}

TEST(SchemaValidator, PatternUsesItsErrorMessage) {
  EXPECT_THAT(
      summary(check("Certificate", "kind: Certificate\nname: Web_1\nspec: {issuer: root}\n")),
      ElementsAre("2:7 name: expected a name of lower-case letters, digits and '-', "
                  "starting with a letter or digit (got \"Web_1\")"));
}

TEST(SchemaValidator, MaxLengthCountsCharacters) {
  std::string cn(65, 'a');
  EXPECT_THAT(summary(check("Certificate",
                            "kind: Certificate\nname: web\nspec:\n  issuer: root\n"
                            "  commonName: " +
                                cn + "\n")),
              ElementsAre("5:15 spec.commonName: expected at most 64 characters (got 65)"));
  // 64 two-byte characters are 64 characters, not 128.
  std::string wide;
  for (int i = 0; i < 64; ++i) wide += "\xc3\xa9";
  EXPECT_THAT(check("Certificate",
                    "kind: Certificate\nname: web\nspec:\n  issuer: root\n"
                    "  commonName: " +
                        wide + "\n"),
              ElementsAre());
}

TEST(SchemaValidator, NameTooLong) {
  std::string name(64, 'a');
  EXPECT_THAT(summary(check("KmsKey", "kind: KmsKey\nname: " + name + "\n")),
              ElementsAre("2:7 name: expected at most 63 characters (got 64)"));
}

TEST(SchemaValidator, MutuallyExclusiveFields) {
  EXPECT_THAT(summary(check("Certificate", R"(kind: Certificate
name: web
spec:
  issuer: root
  renewBefore: 30d
  renewBeforePercentage: 30
)")),
              ElementsAre("6:3 \"renewBefore\" and \"renewBeforePercentage\" cannot be used "
                          "together in spec"));
}

TEST(SchemaValidator, OneOfReportsTheBranchOfTheRightType) {
  const char* base =
      "kind: CertificateAuthority\nname: sub\nspec:\n  type: subordinate\n"
      "  subject: {commonName: Sub}\n  parent: ";
  EXPECT_THAT(check("CertificateAuthority", std::string(base) + "root\n"), ElementsAre());
  EXPECT_THAT(check("CertificateAuthority", std::string(base) + "{external: true}\n"),
              ElementsAre());
  EXPECT_THAT(summary(check("CertificateAuthority", std::string(base) + "{external: false}\n")),
              ElementsAre("6:22 spec.parent.external: expected true (got \"false\")"));
  EXPECT_THAT(summary(check("CertificateAuthority", std::string(base) + "[root]\n")),
              ElementsAre("6:11 spec.parent: expected a string or a mapping (got a list)"));
  EXPECT_THAT(summary(check("CertificateAuthority", std::string(base) + "Root\n")),
              ElementsAre(HasSubstr("6:11 spec.parent: expected a name of lower-case")));
}

TEST(SchemaValidator, AnyOfRequiredNamesTheChoices) {
  const char* base = "name: demo\nspec:\n  rootKey: ";
  EXPECT_THAT(check("Project", std::string(base) + "{env: MY_KEY}\n"), ElementsAre());
  EXPECT_THAT(summary(check("Project", std::string(base) + "{}\n")),
              ElementsAre("3:3 expected one of the fields \"env\" or \"file\" in spec.rootKey"));
  EXPECT_THAT(summary(check("Project", std::string(base) + "{env: A, file: b}\n")),
              ElementsAre("3:21 \"env\" and \"file\" cannot be used together in spec.rootKey"));
}

TEST(SchemaValidator, DuplicateKeysAreErrors) {
  EXPECT_THAT(summary(check("Certificate", R"(kind: Certificate
name: web
spec:
  issuer: root
  issuer: other
)")),
              ElementsAre("5:3 duplicate field \"issuer\" in spec"));
}

TEST(SchemaValidator, ArraysCheckSizeAndItems) {
  EXPECT_THAT(summary(check("DeploymentTarget",
                            "kind: DeploymentTarget\nname: web\nspec:\n  source: Certificate/web\n"
                            "  files: []\n")),
              ElementsAre("5:10 spec.files: expected at least 1 item (got 0)"));
  auto errors = check("DeploymentTarget", R"(kind: DeploymentTarget
name: web
spec:
  source: Certificate/web
  files:
    - {path: /etc/web.crt, content: certificate, mode: "0644"}
    - {path: /etc/web.key, content: privatekey, mode: "999"}
)");
  EXPECT_THAT(summary(errors),
              ElementsAre("7:37 spec.files[1].content: expected one of certificate, privateKey, "
                          "chain, fullchain, combined, pkcs12, crl, bundle, value (got "
                          "\"privatekey\"; did you mean \"privateKey\"?)",
                          "7:55 spec.files[1].mode: expected an octal file mode like \"0640\" "
                          "(quote it) (got \"999\")"));
  EXPECT_EQ(errors[0].pointer, "/spec/files/1/content");
}

TEST(SchemaValidator, ConstKind) {
  EXPECT_THAT(summary(check("KmsKey", "kind: Kms\nname: main\n")),
              ElementsAre("1:7 kind: expected \"KmsKey\" (got \"Kms\")"));
}

TEST(SchemaValidator, TagsMustBeStrings) {
  EXPECT_THAT(summary(check("KmsKey", "kind: KmsKey\nname: main\ntags:\n  owner: [a]\n")),
              ElementsAre("4:10 tags.owner: expected a string (got a list)"));
}

// Nine levels of ten aliases each: 10^9 nodes when walked, a few bytes parsed.
std::string alias_bomb() {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", " : "") + prev;
    text += "]\n";
  }
  return text;
}

TEST(SchemaValidator, AliasBombIsRejectedByTheValidator) {
  Doc d = parse(alias_bomb());
  // a8 is nine lists deep; a0..a7 may be anything and are not descended.
  json nested = {{"type", "string"}};
  for (int i = 0; i < 9; ++i) nested = {{"type", "array"}, {"items", nested}};
  json schema = {
      {"type", "object"}, {"properties", json::object()}, {"additionalProperties", nested}};
  for (int i = 0; i < 8; ++i) schema["properties"]["a" + std::to_string(i)] = json::object();
  auto errors = validate(d.root(), schema);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("document too large"));
}

TEST(SchemaValidator, AliasBombIsRejectedByTheConverter) {
  Doc d = parse(alias_bomb());
  try {
    to_json(d.root(), json::object());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("document too large"));
  }
}

TEST(SchemaValidator, LongTextIsNotMatchedAgainstAPattern) {
  // std::regex would recurse once per character and overflow the stack.
  json schema = {{"type", "string"}, {"pattern", "^([0-9]+[smhdy])+$"}};
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "1d";
  auto errors = validate(parse(text).root(), schema);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("expected at most 1024 characters (got 200000)"));
  EXPECT_TRUE(validate(parse("1d12h").root(), schema).empty());
}

TEST(SchemaValidator, LengthIsCheckedBeforeThePattern) {
  json schema = {{"type", "string"}, {"pattern", "^[a-z]+$"}, {"maxLength", 3}};
  auto errors = validate(parse("ABCDE").root(), schema);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("expected at most 3 characters (got 5)"));
}

TEST(SchemaValidator, FieldPath) {
  EXPECT_EQ(field_path(""), "");
  EXPECT_EQ(field_path("/spec"), "spec");
  EXPECT_EQ(field_path("/spec/files/0/path"), "spec.files[0].path");
  EXPECT_EQ(field_path("/tags/a~1b~0c"), "tags.a/b~c");
  std::string p;
  append_pointer(&p, "tags");
  append_pointer(&p, "a/b~c");
  EXPECT_EQ(p, "/tags/a~1b~0c");
}

TEST(SchemaValidator, InvalidPatternInSchemaThrows) {
  Doc d = parse("x\n");
  EXPECT_THROW(validate(d.root(), json{{"pattern", "(["}}), Error);
}

}  // namespace
}  // namespace keyform::schema
