#include <gtest/gtest.h>

#include "reconciler/fleet_drift.h"
#include "state/fleet_records.h"
#include "tests/unit/fake_provider.h"

namespace keyform {
namespace {

constexpr UnixTime kNow = 1'800'000'000;

class FleetDriftTest : public ::testing::Test {
 protected:
  FleetDriftTest() {
    Resource target;
    target.kind = "DeploymentTarget";
    target.name = "web-tls";
    target.spec = {{"hosts", {"web-*"}}, {"source", "Certificate/web"}};
    config_ = testing::fake_config({target});
    add("Certificate", "web", {{"serial", "0C"}});
  }

  void add(const std::string& kind, const std::string& name, nlohmann::json attributes) {
    RecordedResource r;
    r.kind = kind;
    r.name = name;
    r.attributes = std::move(attributes);
    state_.resources[r.address()] = r;
  }

  void report(const std::string& host, const std::string& serial, UnixTime at) {
    const std::string address = std::string(kFleetInventory) + "/web-tls";
    nlohmann::json attributes = state_.resources.count(address)
                                    ? state_.resources[address].attributes
                                    : nlohmann::json{{"hosts", nlohmann::json::object()}};
    attributes["hosts"][host] = {{"serial", serial}, {"reported", format_rfc3339(at)}};
    add(std::string(kFleetInventory), "web-tls", attributes);
  }

  DriftEntry observe() {
    std::vector<DriftEntry> entries = observe_fleet_inventory(config_, state_, kNow);
    EXPECT_EQ(entries.size(), 1u);
    return entries.empty() ? DriftEntry{} : entries[0];
  }

  Config config_;
  State state_;
};

TEST_F(FleetDriftTest, HostsOnTheCurrentSerialThatReportedAreInSync) {
  report("web-b1", "0c", kNow - 60);
  EXPECT_EQ(observe().status, Observation::kInSync);
}

TEST_F(FleetDriftTest, AHostOnAnOldSerialIsNamed) {
  report("web-b1", "0c", kNow - 60);
  report("web-b2", "0a", kNow - 60);
  DriftEntry e = observe();
  EXPECT_EQ(e.status, Observation::kModified);
  ASSERT_EQ(e.details.size(), 1u);
  EXPECT_NE(e.details[0].find("host web-b2 serves serial 0a, not the current 0C"),
            std::string::npos)
      << e.details[0];
}

TEST_F(FleetDriftTest, AHostSilentLongerThanTheReportWindowIsNamed) {
  config_.project.fleet.report_window = "1h";
  report("web-b1", "0c", kNow - 3601);
  DriftEntry e = observe();
  EXPECT_EQ(e.status, Observation::kModified);
  ASSERT_EQ(e.details.size(), 1u);
  EXPECT_NE(e.details[0].find("has not reported since"), std::string::npos) << e.details[0];
}

TEST_F(FleetDriftTest, AnEnrolledHostThatNeverDeployedIsNamedUnlessRevoked) {
  add(std::string(kFleetAgent), "web-b3", {{"serial", "01"}});
  add(std::string(kFleetAgent), "db-1", {{"serial", "02"}});
  add(std::string(kFleetAgent), "web-b4", {{"serial", "03"}, {"revoked", "2027-01-01T00:00:00Z"}});
  DriftEntry e = observe();
  ASSERT_EQ(e.details.size(), 1u);
  EXPECT_EQ(e.details[0], "host web-b3 is enrolled but has not deployed it");
}

TEST_F(FleetDriftTest, AnUnrecordedSourceIsNotChecked) {
  state_ = State();
  EXPECT_EQ(observe().status, Observation::kNotChecked);
}

// privateKey.generatedOn: host: each host's own certificate is current.
class HostKeyDriftTest : public FleetDriftTest {
 protected:
  HostKeyDriftTest() {
    Resource cert;
    cert.kind = "Certificate";
    cert.name = "web";
    cert.spec = {
        {"issuer", "root"}, {"renewBefore", "30d"}, {"privateKey", {{"generatedOn", "host"}}}};
    Resource target = config_.resources[0];
    config_ = testing::fake_config({target, cert});
    state_ = State();
  }
  void issue(const std::string& host, const std::string& serial, UnixTime not_after,
             bool revoked = false) {
    const std::string address = std::string(kFleetCertificate) + "/web-tls";
    nlohmann::json attributes = state_.resources.count(address)
                                    ? state_.resources[address].attributes
                                    : nlohmann::json{{"hosts", nlohmann::json::object()}};
    nlohmann::json& h = attributes["hosts"][host];
    h = {{"serial", serial},
         {"not_before", format_rfc3339(not_after - 90 * 86400)},
         {"not_after", format_rfc3339(not_after)}};
    if (revoked) h["revoked"] = format_rfc3339(kNow - 10);
    add(std::string(kFleetCertificate), "web-tls", attributes);
  }
};

TEST_F(HostKeyDriftTest, EachHostIsJudgedByItsOwnCertificate) {
  issue("web-b1", "0b1", kNow + 60 * 86400);
  issue("web-b2", "0b2", kNow + 60 * 86400);
  report("web-b1", "0B1", kNow - 60);
  report("web-b2", "0b2", kNow - 60);
  EXPECT_EQ(observe().status, Observation::kInSync) << "no source recorded: each host's own";
  issue("web-b2", "0b3", kNow + 90 * 86400);  // issued, not yet deployed
  DriftEntry e = observe();
  EXPECT_EQ(e.status, Observation::kModified);
  ASSERT_EQ(e.details.size(), 1u);
  EXPECT_NE(e.details[0].find("web-b2 serves serial 0b2, not the current 0b3"), std::string::npos)
      << e.details[0];
}

TEST_F(HostKeyDriftTest, AHostPastItsRenewalTimeOrRevokedIsNamed) {
  issue("web-b1", "0b1", kNow + 10 * 86400);  // renewBefore 30d: due 20 days ago
  issue("web-b2", "0b2", kNow + 60 * 86400, /*revoked=*/true);
  report("web-b1", "0b1", kNow - 60);
  report("web-b2", "0b2", kNow - 60);
  DriftEntry e = observe();
  ASSERT_EQ(e.details.size(), 2u);
  EXPECT_NE(e.details[0].find("web-b1 has not renewed its certificate serial 0b1 (expires in 10d"),
            std::string::npos)
      << e.details[0];
  EXPECT_NE(e.details[1].find("web-b2 serves certificate serial 0b2, revoked at"),
            std::string::npos)
      << e.details[1];
}

}  // namespace
}  // namespace keyform
