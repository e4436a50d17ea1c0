#include <gtest/gtest.h>

#include "fleet/enrollment.h"
#include "fleet/identity.h"
#include "providers/pki/x509.h"
#include "util/error.h"

namespace keyform::fleet {
namespace {

TEST(FleetIdentity, PrincipalAndHostMakeTheUri) {
  AgentIdentity id = agent_identity("account:444455556666/role:apache", "web-b1");
  EXPECT_EQ(id.account, "444455556666");
  EXPECT_EQ(id.role, "apache");
  EXPECT_EQ(id.principal(), "account:444455556666/role:apache");
  EXPECT_EQ(id.uri(), "keyform://account/444455556666/role/apache/host/web-b1");
}

TEST(FleetIdentity, UriParsesBackToTheSameIdentity) {
  AgentIdentity id = parse_identity_uri("keyform://account/b/role/web/host/web-b1.example");
  EXPECT_EQ(id.principal(), "account:b/role:web");
  EXPECT_EQ(id.host, "web-b1.example");
}

TEST(FleetIdentity, RefusesGlobsAndMalformedPrincipals) {
  EXPECT_THROW(agent_identity("account:*/role:web", "h"), Error);
  EXPECT_THROW(agent_identity("account:b/role:*", "h"), Error);
  EXPECT_THROW(agent_identity("account:b", "h"), Error);
  EXPECT_THROW(agent_identity("role:web", "h"), Error);
  EXPECT_THROW(agent_identity("account:b/role:a/b", "h"), Error);
  EXPECT_THROW(agent_identity("account:/role:web", "h"), Error);
}

TEST(FleetIdentity, RefusesBadHostNames) {
  EXPECT_THROW(agent_identity("account:b/role:web", ""), Error);
  EXPECT_THROW(agent_identity("account:b/role:web", "Web"), Error);
  EXPECT_THROW(agent_identity("account:b/role:web", "-web"), Error);
  EXPECT_THROW(agent_identity("account:b/role:web", "web/../x"), Error);
  EXPECT_THROW(agent_identity("account:b/role:web", std::string(64, 'a')), Error);
  EXPECT_TRUE(valid_host_name(std::string(63, 'a')));
}

TEST(FleetIdentity, RefusesMalformedUris) {
  EXPECT_THROW(parse_identity_uri("https://account/b/role/web/host/h"), Error);
  EXPECT_THROW(parse_identity_uri("keyform://account/b/role/web"), Error);
  EXPECT_THROW(parse_identity_uri("keyform://account/b/role/web/host/h/extra"), Error);
  EXPECT_THROW(parse_identity_uri("keyform://role/web/account/b/host/h"), Error);
  EXPECT_THROW(parse_identity_uri("keyform://account/b/role/web/host/"), Error);
}

x509::CertPtr leaf_with_uris(const std::vector<std::string>& uris) {
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  x509::RootCaRequest root;
  root.subject.common_name = "agents";
  root.key = key.get();
  root.validity = {1700000000, 86400};
  x509::CertPtr ca = x509::make_root_ca(root);
  x509::LeafRequest leaf;
  leaf.tmpl = x509::Template::kEndEntityClientAuth;
  leaf.subject.common_name = "h";
  leaf.uris = uris;
  leaf.public_key = key.get();
  leaf.validity = {1700000000, 3600};
  return x509::issue_certificate(leaf, ca.get(), key.get());
}

TEST(FleetIdentity, CertificateCarriesItsIdentityInTheUriSan) {
  auto cert = leaf_with_uris({"https://example.com/x", "keyform://account/b/role/web/host/h1"});
  std::optional<AgentIdentity> id = certificate_identity(cert.get());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->principal(), "account:b/role:web");
  EXPECT_EQ(id->host, "h1");
}

TEST(FleetIdentity, CertificateWithoutOrWithTwoIdentities) {
  EXPECT_FALSE(certificate_identity(leaf_with_uris({"https://example.com/x"}).get()));
  auto two = leaf_with_uris(
      {"keyform://account/b/role/web/host/h1", "keyform://account/c/role/web/host/h2"});
  EXPECT_THROW(certificate_identity(two.get()), Error);
}

}  // namespace
}  // namespace keyform::fleet
