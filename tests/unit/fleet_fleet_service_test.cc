#include <gtest/gtest.h>

#include "fleet/fleet_service.h"
#include "state/fleet_records.h"

namespace keyform::fleet {
namespace {

State with_agent(nlohmann::json attributes) {
  RecordedResource r;
  r.kind = std::string(kFleetAgent);
  r.name = "web-b1";
  r.attributes = std::move(attributes);
  State s;
  s.resources[r.address()] = r;
  return s;
}

Peer peer(const std::string& principal, const std::string& serial) {
  return {agent_identity(principal, "web-b1"), serial};
}

std::string refusal(const State& s, const std::optional<Peer>& p) {
  try {
    authenticate(s, p, "");
  } catch (const ApiError& e) {
    return std::to_string(e.status()) + " " + e.code();
  }
  return "ok";
}

const nlohmann::json kEnrolled = {{"principal", "account:b/role:web"}, {"serial", "0a"}};

TEST(FleetServiceAuthenticate, TheNewestCertificateOfAnEnrolledAgentPasses) {
  AgentIdentity who = authenticate(with_agent(kEnrolled), peer("account:b/role:web", "0a"), "");
  EXPECT_EQ(who.host, "web-b1");
}

TEST(FleetServiceAuthenticate, NoCertificateIs401) {
  EXPECT_EQ(refusal(with_agent(kEnrolled), std::nullopt), "401 client_certificate_required");
}

TEST(FleetServiceAuthenticate, UnknownRevokedAndSupersededAre403) {
  EXPECT_EQ(refusal(State{}, peer("account:b/role:web", "0a")), "403 unknown_agent");
  nlohmann::json revoked = kEnrolled;
  revoked["revoked"] = "2026-12-06T00:00:00Z";
  EXPECT_EQ(refusal(with_agent(revoked), peer("account:b/role:web", "0a")), "403 agent_revoked");
  EXPECT_EQ(refusal(with_agent(kEnrolled), peer("account:b/role:web", "0b")),
            "403 superseded_identity");
  EXPECT_EQ(refusal(with_agent(kEnrolled), peer("account:c/role:web", "0a")), "403 unknown_agent");
}

}  // namespace
}  // namespace keyform::fleet
