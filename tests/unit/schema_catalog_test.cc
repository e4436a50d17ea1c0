#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "schema/catalog.h"
#include "schema/validator.h"

namespace keyform::schema {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

TEST(SchemaCatalog, HasEveryKind) {
  EXPECT_THAT(schema_kinds(), IsSupersetOf({"Certificate", "CertificateAuthority",
                                            "DeploymentTarget", "KmsKey", "Project"}));
  std::vector<std::string> kinds = schema_kinds();
  EXPECT_TRUE(std::is_sorted(kinds.begin(), kinds.end()));
  EXPECT_EQ(schema_for("NoSuchKind"), nullptr);
  EXPECT_EQ(compiled_schema_for("NoSuchKind"), nullptr);
  EXPECT_EQ(schema_text("NoSuchKind"), "");
}

TEST(SchemaCatalog, SchemasDescribeTheWholeDocument) {
  for (const std::string& kind : schema_kinds()) {
    const nlohmann::json* s = schema_for(kind);
    ASSERT_NE(s, nullptr) << kind;
    EXPECT_EQ((*s)["$id"], "https://keyform.dev/schema/" + kind + ".json");
    EXPECT_EQ((*s)["properties"]["kind"]["const"], kind);
    EXPECT_EQ((*s)["additionalProperties"], false) << kind;
    EXPECT_TRUE((*s)["properties"].contains("spec")) << kind;
    EXPECT_TRUE((*s)["properties"]["name"].contains("pattern")) << kind;
    // $refs are resolved for the validator; the text keeps them for editors.
    EXPECT_EQ(s->dump().find("\"$ref\""), std::string::npos) << kind;
    EXPECT_THAT(std::string(schema_text(kind)), HasSubstr("\"$defs\""));
  }
}

TEST(SchemaCatalog, ResolvedRefsKeepTheirOwnDescription) {
  const nlohmann::json& issuer =
      (*schema_for("Certificate"))["properties"]["spec"]["properties"]["issuer"];
  EXPECT_EQ(issuer["pattern"], "^[a-z0-9][a-z0-9-]*$");
  EXPECT_THAT(issuer["description"].get<std::string>(), HasSubstr("CertificateAuthority"));
}

TEST(SchemaCatalog, ReturnsTheSameObjectEachTime) {
  EXPECT_EQ(schema_for("KmsKey"), schema_for("KmsKey"));
  EXPECT_EQ(compiled_schema_for("KmsKey"), compiled_schema_for("KmsKey"));
}

TEST(SchemaCatalog, MinimalDocumentsOfEachKindAreValid) {
  const std::pair<const char*, const char*> docs[] = {
      {"Project", "name: demo\n"},
      {"KmsKey", "kind: KmsKey\nname: main\n"},
      {"CertificateAuthority",
       "kind: CertificateAuthority\nname: root\nspec: {type: root, subject: {commonName: R}}\n"},
      {"Certificate", "kind: Certificate\nname: web\nspec: {issuer: root}\n"},
      {"DeploymentTarget",
       "kind: DeploymentTarget\nname: web\nspec:\n  source: Certificate/web\n"
       "  files: [{path: web.crt, content: certificate}]\n"},
  };
  for (const auto& [kind, text] : docs) {
    auto s = yaml::Stream::parse(text);
    EXPECT_TRUE(validate(s->document(0), *compiled_schema_for(kind)).empty()) << kind;
  }
}

}  // namespace
}  // namespace keyform::schema
