#include <gtest/gtest.h>

#include "providers/pki/host_key.h"

namespace keyform::pki {
namespace {

Resource resource(const std::string& kind, const std::string& name, nlohmann::json spec) {
  Resource r;
  r.kind = kind;
  r.name = name;
  r.spec = std::move(spec);
  return r;
}

Config config_with(std::vector<Resource> extra) {
  Config c;
  c.resources.push_back(resource("Certificate", "web",
                                 {{"issuer", "root"},
                                  {"commonName", "web.example"},
                                  {"privateKey", {{"generatedOn", "host"}}}}));
  for (Resource& r : extra) c.resources.push_back(std::move(r));
  for (size_t i = 0; i < c.resources.size(); ++i) c.by_address[c.resources[i].address()] = i;
  return c;
}

struct Diagnostic {
  size_t resource;
  std::string field, message;
};

std::vector<Diagnostic> problems(const Config& c) {
  std::vector<Diagnostic> out;
  validate_host_key_users(c, [&](size_t i, const std::string& f, const std::string& m) {
    out.push_back({i, f, m});
  });
  return out;
}

nlohmann::json files(std::initializer_list<const char*> contents) {
  nlohmann::json out = nlohmann::json::array();
  int n = 0;
  for (const char* c : contents)
    out.push_back({{"path", "f" + std::to_string(n++)}, {"content", c}});
  return out;
}

TEST(HostKey, GeneratedOnDefaultsToKeyform) {
  EXPECT_FALSE(key_generated_on_host(nlohmann::json{{"issuer", "root"}}));
  EXPECT_FALSE(key_generated_on_host(nlohmann::json{{"privateKey", {{"encoding", "PKCS1"}}}}));
  EXPECT_TRUE(key_generated_on_host(nlohmann::json{{"privateKey", {{"generatedOn", "host"}}}}));
}

TEST(HostKey, ATargetWithHostsMayDeployIt) {
  Config c = config_with({resource(
      "DeploymentTarget", "t",
      {{"hosts", {"web-*"}},
       {"source", "Certificate/web"},
       {"files", files({"certificate", "chain", "fullchain", "privateKey", "combined"})}})});
  EXPECT_TRUE(problems(c).empty());
}

TEST(HostKey, ATargetWithoutHostsIsAnErrorNamingBoth) {
  Config c =
      config_with({resource("DeploymentTarget", "local",
                            {{"source", "Certificate/web"}, {"files", files({"certificate"})}})});
  auto p = problems(c);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].resource, 1u);
  EXPECT_EQ(p[0].field, "/spec/source");
  EXPECT_NE(p[0].message.find("Certificate/web makes its key on each host"), std::string::npos);
  EXPECT_NE(p[0].message.find("DeploymentTarget/local has no hosts"), std::string::npos);
}

TEST(HostKey, ContentsAnAgentCannotWriteAreErrors) {
  Config c = config_with({resource("DeploymentTarget", "t",
                                   {{"hosts", {"h"}},
                                    {"source", "Certificate/web"},
                                    {"files", files({"certificate", "pkcs12"})}})});
  auto p = problems(c);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, "/spec/files/1/content");
  EXPECT_NE(p[0].message.find("not pkcs12"), std::string::npos);
}

TEST(HostKey, ASecretBundlingItIsAnError) {
  Config c = config_with({resource("Secret", "bundle", {{"value", {{"certificate", "web"}}}})});
  auto p = problems(c);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, "/spec/value/certificate");
  EXPECT_NE(p[0].message.find("Secret/bundle cannot bundle it"), std::string::npos);
}

TEST(HostKey, ThePlanIsANoOpNamingTheTargetsAndTheirHosts) {
  Config c = config_with({resource("DeploymentTarget", "t",
                                   {{"hosts", {"web-*", "api-1"}},
                                    {"source", "Certificate/web"},
                                    {"files", files({"privateKey"})}})});
  Change plan = host_key_plan(c.resources[0], c, nullptr);
  EXPECT_EQ(plan.type, ActionType::kNoOp);
  ASSERT_FALSE(plan.reasons.empty());
  EXPECT_EQ(plan.reasons[0],
            std::string(kIssuedToHosts) +
                "DeploymentTarget/t (hosts web-*, api-1) on request (keyform serve): the key is "
                "made on the host");
}

}  // namespace
}  // namespace keyform::pki
