#include <gtest/gtest.h>

#include "fleet/agent_renewal.h"
#include "fleet/agent_revocation.h"
#include "fleet/identity_renewal.h"
#include "providers/pki/x509.h"
#include "state/fleet_records.h"

namespace keyform::fleet {
namespace {

constexpr UnixTime kNotAfter = 1'800'000'000;
constexpr Seconds kGrace = 7 * 86400;

std::optional<Peer> peer_until(UnixTime not_after) {
  return Peer{agent_identity("account:b/role:web", "web-b1"), "0a", not_after - 30 * 86400,
              not_after};
}

std::string refusal_at(UnixTime now) {
  try {
    refuse_out_of_validity(peer_until(kNotAfter), now, [] { return kGrace; });
  } catch (const ApiError& e) {
    return std::to_string(e.status()) + " " + e.code();
  }
  return "ok";
}

TEST(FleetIdentityRenewal, ACertificateIsJudgedWithServesClock) {
  EXPECT_EQ(refusal_at(kNotAfter), "ok");
  EXPECT_EQ(refusal_at(kNotAfter + 1), "403 identity_expired");
  EXPECT_EQ(refusal_at(kNotAfter + kGrace), "403 identity_expired");
  EXPECT_EQ(refusal_at(kNotAfter + kGrace + 1), "403 must_reenroll");
  EXPECT_EQ(refusal_at(kNotAfter - 31 * 86400), "403 identity_not_yet_valid");
}

TEST(FleetIdentityRenewal, TheGraceIsAskedOnlyForAnExpiredCertificate) {
  bool asked = false;
  refuse_out_of_validity(peer_until(kNotAfter), kNotAfter - 10, [&] {
    asked = true;
    return kGrace;
  });
  EXPECT_FALSE(asked);
  refuse_out_of_validity(std::nullopt, kNotAfter + kGrace * 2, [&] {
    asked = true;
    return kGrace;
  });
  EXPECT_FALSE(asked);
}

x509::CertPtr identity_certificate(UnixTime start, Seconds lifetime) {
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  x509::LeafRequest req;
  req.tmpl = x509::Template::kEndEntityClientAuth;
  req.subject.common_name = "web-b1";
  req.public_key = key.get();
  req.validity = {start - kIdentityBackdate, lifetime + kIdentityBackdate};
  x509::RootCaRequest root;
  root.subject.common_name = "agents";
  root.key = key.get();
  root.validity = {start - 86400, 10 * lifetime};
  x509::CertPtr ca = x509::make_root_ca(root);
  return x509::issue_certificate(req, ca.get(), key.get());
}

TEST(FleetIdentityRenewal, RenewalIsDueBetweenThreeFifthsAndTwoThirdsOfTheLifetime) {
  const Seconds lifetime = 30 * 86400;
  for (int i = 0; i < 20; ++i) {
    x509::CertPtr cert = identity_certificate(kNotAfter - lifetime, lifetime);
    const RenewalSchedule s = renewal_schedule(cert.get());
    EXPECT_EQ(s.issued, kNotAfter - lifetime);
    EXPECT_EQ(s.not_after, kNotAfter);
    EXPECT_GE(s.renew_at, s.issued + lifetime * 3 / 5);
    EXPECT_LE(s.renew_at, s.issued + lifetime * 2 / 3);
    EXPECT_EQ(renewal_schedule(cert.get()).renew_at, s.renew_at) << "not stable per certificate";
  }
}

RecordedResource agent_with_lineage() {
  RecordedResource a;
  a.kind = std::string(kFleetAgent);
  a.name = "web-b1";
  a.attributes = {{"serial", "0c"},
                  {"issuer", "CertificateAuthority/agents"},
                  {"previous_serials", {{{"serial", "0a"}}, {{"serial", "0b"}}}}};
  return a;
}

TEST(FleetAgentRevocation, TheLineageIsTheNewestThenThePreviousSerials) {
  EXPECT_EQ(lineage_serials(agent_with_lineage()), (std::vector<std::string>{"0c", "0a", "0b"}));
}

TEST(FleetAgentRevocation, ASerialInTheAgentCasListIsRefused) {
  State state;
  RecordedResource ca;
  ca.kind = "CertificateAuthority";
  ca.name = "agents";
  ca.attributes = {{"revoked_certificates", {{{"serial", "0a"}}}}};
  state.resources[ca.address()] = ca;
  const RecordedResource agent = agent_with_lineage();
  EXPECT_NO_THROW(refuse_revoked_serial(state, agent, "0c"));
  try {
    refuse_revoked_serial(state, agent, "0a");
    FAIL() << "a revoked serial passed";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), "agent_revoked");
  }
}

}  // namespace
}  // namespace keyform::fleet
