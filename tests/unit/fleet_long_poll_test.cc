#include <gtest/gtest.h>

#include "fleet/api_request.h"
#include "fleet/long_poll.h"

namespace keyform::fleet {
namespace {

std::string poll_refusal(const std::string& target) {
  try {
    parse_poll_params(target);
  } catch (const ApiError& e) {
    return std::to_string(e.status()) + " " + e.code();
  }
  return "ok";
}

TEST(LongPollParams, SinceAndWaitAreRead) {
  PollParams p = parse_poll_params("/v1/targets?since=r-0123abcd&wait=50");
  ASSERT_TRUE(p.since);
  EXPECT_EQ(*p.since, "r-0123abcd");
  EXPECT_EQ(p.wait, std::chrono::seconds(50));
}

TEST(LongPollParams, WithoutAQueryTheAnswerIsImmediate) {
  PollParams p = parse_poll_params("/v1/targets");
  EXPECT_FALSE(p.since);
  EXPECT_EQ(p.wait, kDefaultPollWait);
}

TEST(LongPollParams, WaitIsBoundedAndMalformedValuesAreRefused) {
  EXPECT_EQ(parse_poll_params("/v1/targets?since=r-1&wait=3600").wait, kMaxPollWait);
  EXPECT_EQ(poll_refusal("/v1/targets?since=r-1&wait=soon"), "400 invalid_field");
  EXPECT_EQ(poll_refusal("/v1/targets?since=r-1&wait=-1"), "400 invalid_field");
  EXPECT_EQ(poll_refusal("/v1/targets?since=r%2F1"), "400 invalid_field");
  EXPECT_EQ(poll_refusal("/v1/targets?since=" + std::string(200, 'a')), "400 invalid_field");
}

// A host's targets: web-tls (hosts web-*) from a trust bundle, which no
// policy guards, so its version is sent.
struct Fleet {
  Config config;
  State state;
  Fleet() {
    config.project.account = "111122223333";
    Resource t;
    t.kind = "DeploymentTarget";
    t.name = "web-tls";
    t.spec = {{"hosts", {"web-*"}},
              {"source", "TrustBundle/roots"},
              {"files", {{{"path", "ca.pem"}, {"content", "bundle"}}}}};
    config.resources.push_back(t);
    Resource b;
    b.kind = "TrustBundle";
    b.name = "roots";
    config.resources.push_back(b);
    set_bundle("A");
  }
  void set_bundle(const std::string& pem) {
    RecordedResource r;
    r.kind = "TrustBundle";
    r.name = "roots";
    r.attributes["pem"] = pem;
    state.resources[r.address()] = r;
  }
  HostTargets list(const std::string& host = "web-b1") {
    const policy::PolicySet policies(config);
    return host_targets(config, policies, state,
                        agent_identity("account:444455556666/role:apache", host));
  }
};

TEST(LongPollRevision, ListsTheHostsTargetsWithTheirVersions) {
  Fleet f;
  HostTargets t = f.list();
  ASSERT_EQ(t.targets.size(), 1u);
  EXPECT_EQ(t.targets[0]["target"], "DeploymentTarget/web-tls");
  EXPECT_TRUE(t.targets[0].value("version", "").starts_with("sha256:"));
  EXPECT_TRUE(t.revision.starts_with("r-"));
  EXPECT_TRUE(f.list("db-1").targets.empty());
  EXPECT_NE(f.list("db-1").revision, t.revision);
}

TEST(LongPollRevision, ARenewedSourceChangesIt) {
  Fleet f;
  const std::string before = f.list().revision;
  f.set_bundle("B");
  EXPECT_NE(f.list().revision, before);
}

TEST(LongPollRevision, AnUnrelatedWriteDoesNot) {
  Fleet f;
  const std::string before = f.list().revision;
  RecordedResource other;
  other.kind = "FleetInventory";
  other.name = "web-tls";
  other.attributes["hosts"]["web-b2"]["outcome"] = "ok";
  f.state.resources[other.address()] = other;
  f.state.serial += 5;
  EXPECT_EQ(f.list().revision, before);
}

TEST(LongPollRevision, ARefusalOrAChangedTargetChangesIt) {
  Fleet f;
  const std::string before = f.list().revision;
  f.config.resources[0].spec["principal"] = "account:777788889999/role:apache";
  HostTargets denied = f.list();
  EXPECT_NE(denied.revision, before);
  EXPECT_FALSE(denied.targets[0].contains("version")) << "no version for a refused principal";
  f.config.resources[0].spec.erase("principal");
  EXPECT_EQ(f.list().revision, before);
  f.config.resources[0].spec["reload"] = {{"command", {"true"}}};
  EXPECT_NE(f.list().revision, before);
}

TEST(LongPollRevision, ASourceNotYetAppliedIsListedWithoutVersion) {
  Fleet f;
  f.state.resources.erase("TrustBundle/roots");
  HostTargets t = f.list();
  ASSERT_EQ(t.targets.size(), 1u);
  EXPECT_FALSE(t.targets[0].contains("version"));
}

}  // namespace
}  // namespace keyform::fleet
