#include <gtest/gtest.h>

#include "providers/builtin.h"
#include "reconciler/config/loader.h"
#include "reconciler/graph.h"
#include "reconciler/pki_plan.h"
#include "reconciler/plan.h"

namespace keyform {
namespace {

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
constexpr Seconds kDay = 86400;
const std::string kCa = "CertificateAuthority/root";

Resource resource(const std::string& kind, const std::string& name, nlohmann::json spec) {
  Resource r;
  r.kind = kind;
  r.name = name;
  r.spec = std::move(spec);
  r.pos = {kind + ".yaml", 1, 1};
  return r;
}

// A CA and two certificates, recorded as applied; the tests then change the
// configuration and plan.
class PkiPlanTest : public ::testing::Test {
 protected:
  PkiPlanTest() {
    state.lineage = "l";
    put(resource("CertificateAuthority", "root",
                 {{"type", "root"}, {"subject", {{"commonName", "R"}}}}));
    put(resource("Certificate", "web", {{"issuer", "root"}, {"commonName", "web"}}));
    put(resource("Certificate", "old", {{"issuer", "root"}, {"commonName", "old"}}));
    record(kCa, {{"public_key_sha256", "k1"}, {"serial", "ca"}});
    record("Certificate/web",
           {{"serial", "0a"}, {"issuer", kCa}, {"issuer_public_key_sha256", "k1"}}, {kCa});
    record("Certificate/old",
           {{"serial", "0b"}, {"issuer", kCa}, {"issuer_public_key_sha256", "k1"}}, {kCa});
  }

  void put(Resource r) {
    config.by_address[r.address()] = config.resources.size();
    config.resources.push_back(std::move(r));
  }
  Resource& at(const std::string& address) { return config.resources[config.by_address[address]]; }
  void remove(const std::string& address) {
    Config next;
    for (const Resource& r : config.resources)
      if (r.address() != address) {
        next.by_address[r.address()] = next.resources.size();
        next.resources.push_back(r);
      }
    config = std::move(next);
  }
  void record(const std::string& address, nlohmann::json attrs,
              std::vector<std::string> deps = {}) {
    RecordedResource rec = record_from(*config.find(address), deps);
    rec.attributes = std::move(attrs);
    state.resources[address] = rec;
  }
  Plan plan(PlanOptions o = {}) {
    o.now = kNow;
    Graph graph = build_graph(config, builtin_providers());
    return make_plan(config, state, graph, builtin_providers(), o);
  }
  std::vector<std::string> order(const Plan& p) {
    std::vector<std::string> out;
    for (const Action& a : p.actions)
      if (a.type != ActionType::kNoOp)
        out.push_back(std::string(action_name(a.type)) + " " + a.address);
    return out;
  }

  Config config;
  State state;
};

TEST_F(PkiPlanTest, ReplacedAndDeletedAreRevokedBetweenReplacementsAndDeletions) {
  at("Certificate/web").spec["commonName"] = "web2";
  remove("Certificate/old");
  Plan p = plan();
  ASSERT_EQ(order(p), (std::vector<std::string>{"replace Certificate/web", "revoke " + kCa,
                                                "delete Certificate/old"}));
  const Action& revoke = p.actions[2];
  ASSERT_EQ(revoke.type, ActionType::kRevoke);
  ASSERT_EQ(revoke.revocations.size(), 2u);
  EXPECT_EQ(revoke.revocations[0].serial, "0a");
  EXPECT_EQ(revoke.revocations[0].reason, "superseded");
  EXPECT_EQ(revoke.revocations[1].reason, "cessationOfOperation");
  EXPECT_EQ(revoke.after, (std::vector<std::string>{kCa, "Certificate/web"}));
  EXPECT_EQ(revoke.reasons[0], "Certificate/web serial 0a: superseded (replaced)");
  EXPECT_EQ(p.actions[3].after, std::vector<std::string>{kCa});
}

TEST_F(PkiPlanTest, NothingAlreadyRevokedAndNothingOfAReplacedCa) {
  state.resources[kCa].attributes["revoked_certificates"] = {{{"serial", "0b"}}};
  remove("Certificate/old");
  EXPECT_EQ(order(plan()), std::vector<std::string>{"delete Certificate/old"});
  state.resources[kCa].attributes.erase("revoked_certificates");
  PlanOptions o;
  o.replace = {kCa};
  for (const Action& a : plan(o).actions) EXPECT_NE(a.type, ActionType::kRevoke);
}

TEST_F(PkiPlanTest, PendingRevocationsFromAnEarlierRunArePlannedAgain) {
  state.resources["Certificate/web"].attributes["revocation_pending"] = {
      {{"serial", "09"}, {"reason", "superseded"}, {"issuer_public_key_sha256", "k1"}}};
  Plan p = plan();
  EXPECT_EQ(order(p), std::vector<std::string>{"revoke " + kCa});
  EXPECT_EQ(p.find("Certificate/web")->type, ActionType::kNoOp);
  EXPECT_EQ(p.actions.back().reasons[0],
            "Certificate/web serial 09: superseded (replaced in an earlier run)");
}

// Finding 8: a CRL target with only a description change (an update, which
// writes no files) deploys the CRL the revoke signs.
TEST_F(PkiPlanTest, ACrlTargetUpdatedInPlaceDeploysAfterTheRevoke) {
  put(resource("DeploymentTarget", "crl",
               {{"source", kCa}, {"files", {{{"path", "out/root.crl"}, {"content", "crl"}}}}}));
  Plan p;
  p.lineage = "l";
  Action cert;
  cert.id = "a";
  cert.address = "Certificate/web";
  cert.type = ActionType::kReplace;
  p.actions.push_back(cert);
  Action target;
  target.id = "b";
  target.address = "DeploymentTarget/crl";
  target.type = ActionType::kUpdate;
  target.reasons = {"description changed"};
  p.actions.push_back(target);
  plan_pki(config, state, false, p);
  const Action* t = p.find("DeploymentTarget/crl");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, ActionType::kDeploy);
  EXPECT_FALSE(t->waiting);
  ASSERT_EQ(t->reasons.size(), 2u);
  EXPECT_EQ(t->reasons[0], "description changed");
  EXPECT_EQ(t->reasons[1],
            "source CertificateAuthority/root revokes certificates (its CRL changes)");
}

TEST_F(PkiPlanTest, IssuingUnderADisabledCaIsAnErrorAtTheCertificate) {
  at(kCa).spec["enabled"] = false;
  record(kCa, {{"public_key_sha256", "k1"}, {"serial", "ca"}});
  EXPECT_TRUE(plan().errors.empty());  // nothing to issue
  at("Certificate/web").spec["commonName"] = "web2";
  Plan p = plan();
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0],
            "Certificate.yaml:1:1: Certificate/web needs a certificate (replace) but its issuer " +
                kCa +
                " has enabled: false (CertificateAuthority.yaml:1:1); set enabled: true to "
                "issue");
}

TEST_F(PkiPlanTest, DeletionWindow) {
  RecordedResource ca = state.resources[kCa];
  ca.attributes["deletion_window"] = 7 * kDay;
  Change first = deletion_change(ca, kNow);
  EXPECT_EQ(first.type, ActionType::kUpdate);
  EXPECT_EQ(first.reasons[0],
            "not in the configuration: scheduled for deletion, PENDING_DELETION until "
            "2027-01-08T00:00:00Z (deletionWindow 7d)");
  ca.attributes["status"] = "PENDING_DELETION";
  ca.attributes["deletion_date"] = format_rfc3339(kNow + 7 * kDay);
  ca.attributes["deletion_date_unix"] = kNow + 7 * kDay;
  EXPECT_EQ(deletion_change(ca, kNow + 6 * kDay).type, ActionType::kNoOp);
  EXPECT_EQ(deletion_change(ca, kNow + 7 * kDay).type, ActionType::kDelete);
  EXPECT_EQ(deletion_change(state.resources["Certificate/web"], kNow).type, ActionType::kDelete);
}

TEST_F(PkiPlanTest, AReplacedSubordinateIsRevokedByItsParent) {
  put(resource("CertificateAuthority", "sub",
               {{"type", "subordinate"}, {"parent", "root"}, {"subject", {{"commonName", "S"}}}}));
  record("CertificateAuthority/sub",
         {{"serial", "5b"},
          {"issuer", kCa},
          {"issuer_public_key_sha256", "k1"},
          {"public_key_sha256", "k2"}},
         {kCa});
  at("CertificateAuthority/sub").spec["subject"]["commonName"] = "S2";
  Plan p = plan();
  EXPECT_EQ(order(p),
            (std::vector<std::string>{"replace CertificateAuthority/sub", "revoke " + kCa}));
  EXPECT_EQ(p.actions.back().revocations[0].address, "CertificateAuthority/sub");
  EXPECT_EQ(p.actions.back().revocations[0].reason, "superseded");
  // And issuing under a disabled parent is refused like a certificate's.
  at(kCa).spec["enabled"] = false;
  ASSERT_EQ(plan().errors.size(), 1u);
}

}  // namespace
}  // namespace keyform
