#include <gtest/gtest.h>

#include "schema/catalog.h"
#include "schema/yaml_json.h"

namespace keyform::schema {
namespace {

using nlohmann::json;

TEST(YamlJson, TypesFollowTheSchema) {
  auto s = yaml::Stream::parse(R"(kind: CertificateAuthority
name: root
tags: {version: 2}
spec:
  type: root
  subject: {commonName: "Root", country: DE}
  pathLength: 1
  enabled: false
  parent: {external: true}
)");
  json j = to_json(s->document(0), *compiled_schema_for("CertificateAuthority"));
  EXPECT_EQ(j["spec"]["pathLength"], 1);
  EXPECT_EQ(j["spec"]["enabled"], false);
  EXPECT_EQ(j["tags"]["version"], "2");  // tags are strings
  EXPECT_EQ(j["spec"]["parent"], json({{"external", true}}));
  EXPECT_EQ(j["spec"]["subject"]["commonName"], "Root");
  EXPECT_FALSE(j["spec"].contains("keyAlgorithm"));  // defaults are not filled in
}

TEST(YamlJson, StringsStayStrings) {
  auto s = yaml::Stream::parse(
      "kind: DeploymentTarget\nname: x\nspec:\n  source: Certificate/x\n"
      "  files: [{path: '1', content: certificate, mode: 0640}]\n");
  json j = to_json(s->document(0), *compiled_schema_for("DeploymentTarget"));
  EXPECT_EQ(j["spec"]["files"][0]["path"], "1");
  EXPECT_EQ(j["spec"]["files"][0]["mode"], "0640");
}

TEST(YamlJson, WithoutASchemaReadsTheCoreSchema) {
  auto s = yaml::Stream::parse("{a: 1, b: 1.5, c: true, d: x, e: '2', f: ~, g: [1]}");
  json j = to_json(s->document(0), json::object());
  EXPECT_EQ(j, json::parse(R"({"a":1,"b":1.5,"c":true,"d":"x","e":"2","f":null,"g":[1]})"));
}

TEST(YamlJson, DeepNestingIsRefused) {
  std::string text(100, '[');
  text += std::string(100, ']');
  EXPECT_THROW(yaml::Stream::parse(text), yaml::SyntaxError);
  // The deepest the parser allows converts.
  std::string deepest(yaml::kMaxNestingDepth, '[');
  deepest += std::string(yaml::kMaxNestingDepth, ']');
  auto s = yaml::Stream::parse(deepest);
  EXPECT_TRUE(to_json(s->document(0), json::object()).is_array());
}

TEST(YamlJson, MarkAt) {
  auto s = yaml::Stream::parse(R"(kind: Certificate
name: web
spec:
  issuer: root
  dnsNames:
    - a.example.com
    - b.example.com
  subject:
    organization:
)");
  yaml::Node doc = s->document(0);
  auto at = [&](const char* pointer) {
    yaml::Mark m = mark_at(doc, pointer);
    return std::to_string(m.line) + ":" + std::to_string(m.column);
  };
  EXPECT_EQ(at("/spec/issuer"), "4:11");               // a scalar: its value
  EXPECT_EQ(at("/spec/dnsNames/1"), "7:7");            // an item
  EXPECT_EQ(at("/spec/dnsNames"), "5:3");              // a list: its key
  EXPECT_EQ(at("/spec/subject/organization"), "9:5");  // empty: its key
  EXPECT_EQ(at("/spec/kmsKey"), "3:1");                // absent: the deepest parent's key
  EXPECT_EQ(at("/spec/dnsNames/9"), "5:3");
  EXPECT_EQ(at(""), "1:1");
}

}  // namespace
}  // namespace keyform::schema
