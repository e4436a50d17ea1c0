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

}  // namespace
}  // namespace keyform
