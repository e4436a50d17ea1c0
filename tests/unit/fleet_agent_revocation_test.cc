#include <gtest/gtest.h>

#include "fleet/agent_revocation.h"
#include "providers/pki/revocation_list.h"
#include "state/fleet_records.h"
#include "state/local/local_backend.h"
#include "tests/unit/state_records.h"
#include "tests/unit/test_support.h"
#include "util/error.h"
#include "util/random.h"

namespace keyform::fleet {
namespace {

using json = nlohmann::json;
constexpr UnixTime kNow = 1'800'000'000;

class AgentRevocationTest : public ::testing::Test {
 protected:
  AgentRevocationTest() : backend_(make_local_backend(tmp_.path() / ".keyform")) {
    backend_->create(testing::initial_state());
    keyring_ = std::make_unique<Keyring>(random_secret(32), backend_->objects());
    put("CertificateAuthority", "agents", {});
    put("CertificateAuthority", "root", {});
    put(std::string(kFleetAgent), "web-b1",
        {{"issuer", "CertificateAuthority/agents"},
         {"serial", "a2"},
         {"previous_serials", {{{"serial", "a1"}}}}});
  }
  void put(const std::string& kind, const std::string& name, json attributes) {
    RecordedResource r;
    r.kind = kind;
    r.name = name;
    r.attributes = std::move(attributes);
    state_.resources.put(r.address(), r);
  }
  static json issued(const std::string& serial, UnixTime not_after) {
    return {{"serial", serial},
            {"issuer", "CertificateAuthority/root"},
            {"not_after", format_rfc3339(not_after)}};
  }
  AgentRevocation revoke() {
    return revoke_agent(config_, state_, *keyring_, "web-b1", "keyCompromise", kNow);
  }
  const RecordedResource* entry(const AgentRevocation& r, const std::string& address) {
    for (const RecordedResource& e : r.entries)
      if (e.address() == address) return &e;
    return nullptr;
  }

  testing::TempDir tmp_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Keyring> keyring_;
  Config config_;
  State state_;
};

TEST_F(AgentRevocationTest, TheLineageGoesIntoTheAgentCAsList) {
  AgentRevocation r = revoke();
  EXPECT_EQ(r.serials, (std::vector<std::string>{"a2", "a1"}));
  ASSERT_GE(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[0].address(), "FleetAgent/web-b1");
  EXPECT_TRUE(r.entries[0].attributes.contains("revoked"));
  EXPECT_EQ(r.entries[1].address(), "CertificateAuthority/agents");
  EXPECT_EQ(pki::revoked_serials(r.entries[1].attributes), (std::set<std::string>{"a1", "a2"}));
  EXPECT_TRUE(r.host_certificates.empty());
  state_.resources.put("FleetAgent/web-b1", r.entries[0]);
  EXPECT_THROW(revoke(), Error) << "revoked twice";
}

TEST_F(AgentRevocationTest, TheHostsCertificatesStillValidGoIntoTheirIssuersList) {
  json host = issued("h3", kNow + 86400);
  host["source"] = "Certificate/web-host";
  host["previous"] = {issued("h2", kNow + 60), issued("h1", kNow - 1)};
  put(std::string(kFleetCertificate), "web-host-tls",
      {{"source", "Certificate/web-host"},
       {"hosts", {{"web-b1", host}, {"web-b2", issued("other", kNow + 86400)}}}});
  AgentRevocation r = revoke();
  const RecordedResource* root = entry(r, "CertificateAuthority/root");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(pki::revoked_serials(root->attributes), (std::set<std::string>{"h2", "h3"}))
      << "an expired certificate needs no revocation; another host's is not touched";
  EXPECT_EQ(root->attributes["revoked_certificates"][0].value("address", ""),
            "Certificate/web-host");
  EXPECT_EQ(root->attributes["revoked_certificates"][0].value("reason", ""), "keyCompromise");
  EXPECT_EQ(r.host_certificates.size(), 2u);
  const RecordedResource* marked = entry(r, "FleetCertificate/web-host-tls");
  ASSERT_NE(marked, nullptr);
  EXPECT_TRUE(marked->attributes["hosts"]["web-b1"].contains("revoked"));
  EXPECT_FALSE(marked->attributes["hosts"]["web-b2"].contains("revoked"));
}

TEST_F(AgentRevocationTest, AHostCertificateWhoseIssuerIsGoneIsNamed) {
  json host = issued("h3", kNow + 86400);
  host["issuer"] = "CertificateAuthority/removed";
  put(std::string(kFleetCertificate), "web-host-tls", {{"hosts", {{"web-b1", host}}}});
  AgentRevocation r = revoke();
  ASSERT_EQ(r.not_listed.size(), 1u);
  EXPECT_NE(r.not_listed[0].find("h3"), std::string::npos);
  EXPECT_EQ(entry(r, "CertificateAuthority/removed"), nullptr);
}

}  // namespace
}  // namespace keyform::fleet
