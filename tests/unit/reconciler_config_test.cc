#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "reconciler/config/loader.h"
#include "schema/yaml_document.h"
#include "tests/unit/test_support.h"

namespace keyform {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;

// Stand-ins for the real providers: the same kinds and reference fields, so
// these tests exercise the loader alone.
class FakeProvider : public Provider {
 public:
  explicit FakeProvider(std::string kind) : kind_(std::move(kind)) {}
  std::string_view kind() const override { return kind_; }

  std::vector<Reference> references(const Resource& r, const Project& p) const override {
    std::vector<Reference> refs;
    if (kind_ == "Certificate")
      refs.push_back({"/spec/issuer", "CertificateAuthority/" + r.spec.value("issuer", "")});
    if (kind_ == "DeploymentTarget") refs.push_back({"/spec/source", r.spec.value("source", "")});
    std::string kms = kms_key_address(r, p);
    if (!kms.empty() && kind_ != "KmsKey" && kind_ != "DeploymentTarget")
      refs.push_back({"/spec/kmsKey", kms});
    return refs;
  }

  void validate(const Resource& r, const Config&, const DiagnosticSink& error) const override {
    if (kind_ == "Certificate" && r.spec.contains("dnsNames")) {
      const auto& names = r.spec["dnsNames"];
      for (size_t i = 0; i < names.size(); ++i)
        if (names[i].get<std::string>().find('_') != std::string::npos)
          error("/spec/dnsNames/" + std::to_string(i), "not a valid DNS name");
    }
    if (kind_ == "KmsKey" && r.spec.contains("deletionWindow") && r.spec["deletionWindow"] == "90d")
      error("/spec/deletionWindow", "deletionWindow must be between 7d and 30d");
  }

  Change diff(const DiffInput&) const override { return {}; }
  RecordedResource apply(ApplyContext&) const override { throw Error("not in these tests"); }

 private:
  std::string kind_;
};

const ProviderRegistry& fake_registry() {
  static const ProviderRegistry registry = [] {
    ProviderRegistry r;
    for (const char* kind : {"KmsKey", "CertificateAuthority", "Certificate", "DeploymentTarget"})
      r.add(std::make_unique<FakeProvider>(kind));
    return r;
  }();
  return registry;
}

const char* kProject = R"(name: demo
spec:
  account: "123456789012"
  defaults: {kmsKey: main}
)";

const char* kPki = R"(kind: KmsKey
name: main
spec:
  rotation: {every: 365d}
---
kind: CertificateAuthority
name: root
spec:
  type: root
  subject: {commonName: Demo Root, country: DE}
  pathLength: 1
  crl: {enabled: false}
)";

const char* kCerts = R"(kind: Certificate
name: web
tags: {team: web}
spec:
  issuer: root
  dnsNames: [web.example.com]
  renewBeforePercentage: 30
---
kind: Certificate
name: api
dependsOn: [Certificate/web]
spec:
  issuer: root
  commonName: api.example.com
)";

const char* kDeploy = R"(kind: DeploymentTarget
name: web
spec:
  source: Certificate/web
  files:
    - {path: out/web.crt, content: certificate, mode: "0644"}
)";

// A valid config; tests overwrite or add files to break it.
void write_valid(const TempDir& dir) {
  dir.write("keyform.yaml", kProject);
  dir.write("pki/ca.yaml", kPki);
  dir.write("certs/web.yaml", kCerts);
  dir.write("deploy/web.yml", kDeploy);
}

// The diagnostics of a config that must fail to load.
std::vector<std::string> errors_of(const TempDir& dir) {
  try {
    load_config(dir.path(), fake_registry());
  } catch (const ConfigError& e) {
    std::vector<std::string> out;
    for (const Diagnostic& d : e.diagnostics()) out.push_back(d.str());
    return out;
  }
  ADD_FAILURE() << "the config loaded";
  return {};
}

TEST(ConfigLoader, ReturnsTheSameGraphAsBuildGraph) {
  TempDir dir;
  write_valid(dir);
  Graph loaded;
  Config c = load_config(dir.path(), fake_registry(), &loaded);
  Graph built = build_graph(c, fake_registry());
  ASSERT_GT(built.size(), 0u);
  EXPECT_EQ(loaded.addresses(), built.addresses());
  EXPECT_EQ(loaded.topological_order(), built.topological_order());
  for (const std::string& a : built.addresses())
    EXPECT_EQ(loaded.dependencies(a), built.dependencies(a)) << a;
}

TEST(ConfigLoader, LoadsAMultiFileConfig) {
  TempDir dir;
  write_valid(dir);
  // Not config: hidden directories, the backend, other extensions.
  dir.write(".git/x.yaml", "{{ not yaml");
  dir.write(".keyform/x.yaml", "{{ not yaml");
  dir.write(".gitlab-ci.yml", "stages: [x]");
  dir.write("README.md", "# demo");

  Config c = load_config(dir.path(), fake_registry());
  EXPECT_EQ(c.dir, std::filesystem::absolute(dir.path()).lexically_normal());
  EXPECT_EQ(c.project.name, "demo");
  EXPECT_EQ(c.project.account, "123456789012");
  EXPECT_EQ(c.project.backend_type, "local");
  EXPECT_EQ(c.project.backend_path, ".keyform");
  EXPECT_EQ(c.project.root_key_env, "KEYFORM_ROOT_KEY");
  EXPECT_EQ(c.project.defaults, nlohmann::json({{"kmsKey", "main"}}));

  std::vector<std::string> addresses;
  for (const Resource& r : c.resources) addresses.push_back(r.address());
  // Sorted by file path, then document order.
  EXPECT_THAT(addresses, ElementsAre("Certificate/web", "Certificate/api", "DeploymentTarget/web",
                                     "KmsKey/main", "CertificateAuthority/root"));

  const Resource* ca = c.find("CertificateAuthority/root");
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(ca->pos.str(), "pki/ca.yaml:6:1");
  EXPECT_EQ(ca->spec["pathLength"], 1);  // an integer, not "1"
  EXPECT_EQ(ca->spec["crl"]["enabled"], false);
  EXPECT_EQ(ca->spec["subject"]["country"], "DE");

  const Resource* web = c.find("Certificate/web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->tags, (std::map<std::string, std::string>{{"team", "web"}}));
  EXPECT_EQ(web->spec["renewBeforePercentage"], 30);
  EXPECT_EQ(c.find("Certificate/api")->depends_on, std::vector<std::string>{"Certificate/web"});
  EXPECT_EQ(c.find("DeploymentTarget/web")->spec["files"][0]["mode"], "0644");
}

TEST(ConfigLoader, ManyFilesLoadInPathOrder) {
  // Enough files to be parsed on several threads; the result is in path order.
  TempDir dir;
  write_valid(dir);
  for (int i = 39; i >= 0; --i) {
    char name[32];
    std::snprintf(name, sizeof name, "many/c%02d.yaml", i);
    dir.write(name, "kind: Certificate\nname: c" + std::to_string(i) + "\nspec: {issuer: root}\n");
  }
  Config c = load_config(dir.path(), fake_registry());
  ASSERT_EQ(c.resources.size(), 45u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(c.resources[3 + i].name, "c" + std::to_string(i));

  dir.write("many/c17.yaml", "kind: Certificate\nname: [c17\n");
  dir.write("many/c03.yaml", "kind: Certificate\nname: c3\nspec: {issuer: roo}\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("many/c03.yaml:3:16: spec.issuer: no "
                                          "CertificateAuthority named \"roo\" (did you mean "
                                          "\"root\"?)",
                                          HasSubstr("many/c17.yaml:2:7: YAML syntax error")));
}

TEST(ConfigLoader, GraphPutsDependenciesFirst) {
  TempDir dir;
  write_valid(dir);
  Config c = load_config(dir.path(), fake_registry());
  Graph g = build_graph(c, fake_registry());
  EXPECT_THAT(g.topological_order(),
              ElementsAre("KmsKey/main", "CertificateAuthority/root", "Certificate/web",
                          "Certificate/api", "DeploymentTarget/web"));
  EXPECT_THAT(g.dependencies("Certificate/api"),
              ElementsAre("Certificate/web", "KmsKey/main", "CertificateAuthority/root"));
}

TEST(ConfigLoader, SkipsTheBackendDirectory) {
  TempDir dir;
  write_valid(dir);
  dir.write("keyform.yaml", "name: demo\nspec:\n  backend: {type: local, path: state}\n");
  dir.write("state/x.yaml", "{{ not yaml");
  Config c = load_config(dir.path(), fake_registry());
  EXPECT_EQ(c.project.backend_path, "state");
}

TEST(ConfigLoader, RootKeyFromAFile) {
  TempDir dir;
  write_valid(dir);
  dir.write("keyform.yaml",
            "kind: Project\nname: demo\nspec:\n  rootKey: {file: secrets/root.key}\n");
  Config c = load_config(dir.path(), fake_registry());
  EXPECT_EQ(c.project.root_key_file, "secrets/root.key");
  EXPECT_EQ(c.project.root_key_env, "");
}

TEST(ConfigLoader, LoadProjectReadsOnlyTheProject) {
  TempDir dir;
  write_valid(dir);
  dir.write("keyform.yaml", std::string(kProject) +
                                "  backend: {type: local, path: state}\n---\n"
                                "kind: Certificate\nname: in-project-file\nspec: {bogus: 1}\n");
  dir.write("certs/bad.yaml", "kind: Certificate\nname: x\nspec: {issuer: root\n");
  EXPECT_FALSE(errors_of(dir).empty());
  Config c = load_project(*directory_source(dir.path()), dir.path());
  EXPECT_EQ(c.project.name, "demo");
  EXPECT_EQ(c.project.backend_path, "state");
  EXPECT_TRUE(c.resources.empty());
}

TEST(ConfigLoader, LoadProjectReportsTheProjectsOwnErrors) {
  TempDir dir;
  dir.write("keyform.yaml", "kind: Project\nname: demo\nspec: {acount: x}\n");
  try {
    load_project(*directory_source(dir.path()), dir.path());
    ADD_FAILURE() << "the project loaded";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_THAT(e.diagnostics()[0].str(), HasSubstr("keyform.yaml:3:8: unknown field \"acount\""));
  }
}

TEST(ConfigLoader, MissingKeyformYaml) {
  TempDir dir;
  dir.write("certs/web.yaml", kCerts);
  auto errors = errors_of(dir);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("no keyform.yaml in " + dir.path().string()));
}

TEST(ConfigLoader, YamlSyntaxError) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/bad.yaml", "kind: Certificate\nname: x\nspec: {issuer: root\n");
  EXPECT_THAT(errors_of(dir),
              ElementsAre(HasSubstr(
                  "certs/bad.yaml:3:7: YAML syntax error: the '{' here is never closed")));
}

TEST(ConfigLoader, NotUtf8) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/latin1.yaml", "kind: Certificate\nname: x\ndescription: caf\xe9\n");
  EXPECT_THAT(errors_of(dir),
              ElementsAre("certs/latin1.yaml:3:17: not valid UTF-8 (byte 0xe9); save the file as "
                          "UTF-8"));
}

TEST(ConfigLoader, UnknownKindSuggestsTheNearest) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/typo.yaml", "kind: Certficate\nname: x\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("certs/typo.yaml:1:7: unknown kind \"Certficate\" (did "
                                          "you mean \"Certificate\"?)"));
}

TEST(ConfigLoader, MissingKind) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/nokind.yaml", "# a comment\nname: x\n");
  EXPECT_THAT(errors_of(dir),
              ElementsAre("certs/nokind.yaml:2:1: missing required field \"kind\""));
}

TEST(ConfigLoader, UnknownFieldSuggestsTheNearest) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/x.yaml", "kind: Certificate\nname: x\nspec:\n  issuer: root\n  dnsName: [a]\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("certs/x.yaml:5:3: unknown field \"dnsName\" in spec "
                                          "(did you mean \"dnsNames\"?)"));
}

TEST(ConfigLoader, WrongType) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/x.yaml", "kind: Certificate\nname: x\nspec:\n  issuer: root\n  dnsNames: a\n");
  EXPECT_THAT(errors_of(dir),
              ElementsAre("certs/x.yaml:5:13: spec.dnsNames: expected a list (got \"a\")"));
}

TEST(ConfigLoader, BadDuration) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/x.yaml",
            "kind: Certificate\nname: x\nspec:\n  issuer: root\n  validity: 3 months\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("certs/x.yaml:5:13: spec.validity: expected a duration "
                                          "like 90d, 12h, 1y (got \"3 months\")"));
}

TEST(ConfigLoader, DuplicateNamesAcrossFilesNameBoth) {
  TempDir dir;
  write_valid(dir);
  dir.write("more/web.yaml", "# again\nkind: Certificate\nname: web\nspec: {issuer: root}\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("more/web.yaml:2:1: duplicate Certificate/web: first "
                                          "defined at certs/web.yaml:1:1"));
}

TEST(ConfigLoader, SameNameDifferentKindsIsFine) {
  TempDir dir;
  write_valid(dir);
  dir.write("more/web.yaml", "kind: KmsKey\nname: web\n");
  EXPECT_NO_THROW(load_config(dir.path(), fake_registry()));
}

TEST(ConfigLoader, DanglingReferenceSuggestsTheNearest) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/x.yaml", "kind: Certificate\nname: x\nspec:\n  issuer: rot\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("certs/x.yaml:4:11: spec.issuer: no "
                                          "CertificateAuthority named \"rot\" (did you mean "
                                          "\"root\"?)"));
}

TEST(ConfigLoader, DependsOnAMissingAddress) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/x.yaml",
            "kind: Certificate\nname: x\ndependsOn:\n  - Certificate/web\n  - Certificate/wev\n"
            "  - Secrt/db\nspec: {issuer: root}\n");
  EXPECT_THAT(errors_of(dir),
              ElementsAre("certs/x.yaml:5:5: dependsOn[1]: no Certificate named \"wev\" (did you "
                          "mean \"web\"?)",
                          "certs/x.yaml:6:5: dependsOn[2]: unknown kind \"Secrt\" in "
                          "\"Secrt/db\""));
}

TEST(ConfigLoader, AReferenceToAnInvalidResourceIsNotReportedTwice) {
  TempDir dir;
  write_valid(dir);
  dir.write("pki/ca.yaml",
            "kind: KmsKey\nname: main\n---\nkind: CertificateAuthority\nname: root\n"
            "spec: {type: roots, subject: {commonName: R}}\n");
  EXPECT_THAT(errors_of(dir), ElementsAre(HasSubstr("pki/ca.yaml:6:14: spec.type: expected one of "
                                                    "root, subordinate")));
}

TEST(ConfigLoader, Cycle) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/cycle.yaml",
            "kind: Certificate\nname: a\ndependsOn: [Certificate/b]\nspec: {issuer: root}\n---\n"
            "kind: Certificate\nname: b\ndependsOn: [Certificate/a]\nspec: {issuer: root}\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("certs/cycle.yaml:1:1: dependency cycle: Certificate/a "
                                          "-> Certificate/b -> Certificate/a"));
}

TEST(ConfigLoader, SelfDependency) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/self.yaml",
            "kind: Certificate\nname: a\ndependsOn: [Certificate/a]\nspec: {issuer: root}\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("certs/self.yaml:1:1: dependency cycle: Certificate/a "
                                          "-> Certificate/a"));
}

TEST(ConfigLoader, ProjectOutsideKeyformYaml) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/project.yaml", "kind: Project\nname: other\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("certs/project.yaml:1:7: a Project document belongs in "
                                          "keyform.yaml, not in certs/project.yaml"));
}

TEST(ConfigLoader, SecondProject) {
  TempDir dir;
  write_valid(dir);
  dir.write("keyform.yaml", std::string(kProject) + "---\nkind: Project\nname: again\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("keyform.yaml:6:1: a second Project document: the first "
                                          "is at keyform.yaml:1:1"));
}

TEST(ConfigLoader, KeyformYamlWithoutAProject) {
  TempDir dir;
  write_valid(dir);
  dir.write("keyform.yaml", "# nothing yet\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("keyform.yaml:1:1: keyform.yaml holds no Project "
                                          "document"));
}

TEST(ConfigLoader, PostgresBackendNamesItsDsnVariable) {
  TempDir dir;
  write_valid(dir);
  dir.write("keyform.yaml",
            "name: demo\nspec:\n  backend:\n    type: postgres\n"
            "    dsn: {env: DATABASE_URL}\n");
  Config c = load_config(dir.path(), fake_registry());
  EXPECT_EQ(c.project.backend_type, "postgres");
  EXPECT_EQ(c.project.backend_dsn_env, "DATABASE_URL");
  dir.write("keyform.yaml", "name: demo\nspec:\n  backend: {type: postgres}\n");
  EXPECT_EQ(load_config(dir.path(), fake_registry()).project.backend_dsn_env, "KEYFORM_PG_DSN");
  dir.write("keyform.yaml", "name: demo\nspec:\n  backend: {type: postgres, dsn: {env: 'a b'}}\n");
  EXPECT_EQ(errors_of(dir).size(), 1u);
}

TEST(ConfigLoader, MissingProjectDefaultKmsKeyIsReportedOnce) {
  TempDir dir;
  write_valid(dir);
  dir.write("keyform.yaml", "name: demo\nspec:\n  defaults: {kmsKey: mainn}\n");
  EXPECT_THAT(errors_of(dir), ElementsAre("keyform.yaml:3:22: spec.defaults.kmsKey: no KmsKey "
                                          "named \"mainn\" (did you mean \"main\"?)"));
}

TEST(ConfigLoader, ProviderDiagnosticsPointAtTheirField) {
  TempDir dir;
  write_valid(dir);
  dir.write("certs/x.yaml",
            "kind: Certificate\nname: x\nspec:\n  issuer: root\n"
            "  dnsNames:\n    - ok.example.com\n    - bad_name.example.com\n");
  dir.write("pki/kms2.yaml", "kind: KmsKey\nname: other\nspec:\n  deletionWindow: 90d\n");
  EXPECT_THAT(errors_of(dir),
              ElementsAre("certs/x.yaml:7:7: spec.dnsNames[1]: not a valid DNS name",
                          "pki/kms2.yaml:4:19: spec.deletionWindow must be between 7d and 30d"));
}

TEST(ConfigLoader, ReportsEveryErrorSortedByFileAndLine) {
  TempDir dir;
  write_valid(dir);
  dir.write("b.yaml", "kind: Certificate\nname: b\nspec: {issuer: nope}\n");
  dir.write("a.yaml",
            "kind: Certificate\nname: a\nspec:\n  issuer: root\n  validity: x\n"
            "  template: nope\n");
  try {
    load_config(dir.path(), fake_registry());
    FAIL() << "the config loaded";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.diagnostics().size(), 3u);
    std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("a.yaml:5:13: spec.validity"));
    EXPECT_LT(what.find("a.yaml:5:13"), what.find("a.yaml:6:13"));
    EXPECT_LT(what.find("a.yaml:6:13"), what.find("b.yaml:3:16"));
  }
}

TEST(ConfigLoader, AYamlLinkToNothingIsAnError) {
  TempDir dir;
  write_valid(dir);
  std::filesystem::create_symlink("missing.yaml", dir.path() / "gone.yaml");
  EXPECT_THAT(errors_of(dir), ElementsAre("gone.yaml:1:1: a symbolic link to nothing; remove it or "
                                          "fix its target"));
}

TEST(ConfigLoader, AFileTooLargeIsRefusedBeforeItIsRead) {
  TempDir dir;
  write_valid(dir);
  {
    std::FILE* f = std::fopen((dir.path() / "big.yaml").c_str(), "w");
    ASSERT_NE(f, nullptr);
    // Sparse: the loader must refuse it by its size, not by reading it.
    ASSERT_EQ(std::fseek(f, static_cast<long>(yaml::kMaxFileBytes), SEEK_SET), 0);
    std::fputc('\n', f);
    std::fclose(f);
  }
  EXPECT_THAT(errors_of(dir),
              ElementsAre(HasSubstr("big.yaml:1:1: file too large (16777217 bytes; the limit is "
                                    "16 MiB)")));
}

TEST(ConfigLoader, ErrorsInSeveralFilesComeSortedWithPositions) {
  TempDir dir;
  write_valid(dir);
  dir.write("a.yaml", "kind: KmsKey\nname: k\ntags: [\n");
  dir.write("b.yaml", std::string("kind: KmsKey\nname: \xff\n"));
  dir.write("c.yaml", "kind: KmsKey\nname: !!binary aGk=\n");
  auto errors = errors_of(dir);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0], HasSubstr("a.yaml:3:7: YAML syntax error"));
  EXPECT_EQ(errors[1], "b.yaml:2:7: not valid UTF-8 (byte 0xff); save the file as UTF-8");
  EXPECT_THAT(errors[2], HasSubstr("c.yaml:2:7: unsupported YAML tag !!binary"));
}

}  // namespace
}  // namespace keyform
