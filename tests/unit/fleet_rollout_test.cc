#include <gtest/gtest.h>

#include "fleet/rollout.h"
#include "state/fleet_records.h"

namespace keyform::fleet {
namespace {

using json = nlohmann::json;
constexpr UnixTime kNow = 1'800'000'000;

class RolloutTest : public ::testing::Test {
 protected:
  RolloutTest() {
    target_.kind = "DeploymentTarget";
    target_.name = "web-tls";
    target_.spec = {{"hosts", {"web-*"}}, {"source", "Secret/web-tls"}};
  }

  void limits(json rollout) {
    target_.spec["rollout"] = std::move(rollout);
    limits_ = *rollout_limits(target_);
  }
  void enrol(const std::string& host, bool revoked = false) {
    RecordedResource r;
    r.kind = std::string(kFleetAgent);
    r.name = host;
    r.attributes = {{"principal", "account:1/role:web"}};
    if (revoked) r.attributes["revoked"] = format_rfc3339(kNow);
    state_.resources.put(r.address(), r);
  }
  json& host(const std::string& name) {
    RecordedResource& inv =
        state_.resources.edit(std::string(kFleetInventory) + "/" + target_.name);
    inv.kind = std::string(kFleetInventory);
    inv.name = target_.name;
    return inv.attributes["hosts"][name];
  }
  void deployed(const std::string& name, const std::string& version) {
    host(name)["version"] = version;
    host(name)["outcome"] = "ok";
  }
  void failed(const std::string& name, const std::string& version) {
    host(name)["outcome"] = "failed";
    host(name)["failed_version"] = version;
    host(name)["error"] = "reload failed";
  }
  RolloutDecision decide(const std::string& name, const std::string& version = "v2",
                         UnixTime now = kNow) {
    return decide_rollout(target_, limits_, state_, name, version, now);
  }

  Resource target_;
  RolloutLimits limits_;
  State state_;
};

TEST_F(RolloutTest, NoRolloutSpecMeansNoLimits) { EXPECT_FALSE(rollout_limits(target_)); }

TEST_F(RolloutTest, AHostOnTheVersionAlreadyGoesWithoutAPlace) {
  limits({{"maxConcurrency", 1}});
  deployed("web-1", "v2");
  take_rollout_place(host("web-2"), "v2", kNow + 60);
  EXPECT_EQ(decide("web-1").verdict, RolloutVerdict::kGo);
}

TEST_F(RolloutTest, ConcurrencyCountsLivePlacesOfThisVersionOnly) {
  limits({{"maxConcurrency", 2}});
  take_rollout_place(host("web-1"), "v2", kNow + 60);
  EXPECT_EQ(decide("web-3").verdict, RolloutVerdict::kTakePlace);
  take_rollout_place(host("web-2"), "v2", kNow + 60);
  const RolloutDecision paused = decide("web-3");
  EXPECT_EQ(paused.verdict, RolloutVerdict::kPaused);
  EXPECT_NE(paused.message.find("waiting for web-1, web-2"), std::string::npos) << paused.message;
  // A place for another version, or one whose timeout passed, holds nothing.
  take_rollout_place(host("web-2"), "v1", kNow + 60);
  EXPECT_EQ(decide("web-3").verdict, RolloutVerdict::kTakePlace);
  take_rollout_place(host("web-2"), "v2", kNow - 1);
  EXPECT_EQ(decide("web-3").verdict, RolloutVerdict::kTakePlace);
  // The holder of a place keeps it (a pull sent again).
  take_rollout_place(host("web-2"), "v2", kNow + 60);
  EXPECT_EQ(decide("web-1").verdict, RolloutVerdict::kGo);
}

TEST_F(RolloutTest, APercentageIsOfTheEnrolledHostsTheTargetNamesRoundedUp) {
  limits({{"maxConcurrency", "10%"}});
  for (const char* h : {"web-1", "web-2", "web-3", "web-4", "web-5", "web-6", "web-7", "web-8",
                        "web-9", "web-10", "web-11"})
    enrol(h);
  enrol("db-1");  // not named by the target
  enrol("web-12", /*revoked=*/true);
  // 10% of 11 hosts is 1.1: two places.
  take_rollout_place(host("web-1"), "v2", kNow + 60);
  EXPECT_EQ(decide("web-3").verdict, RolloutVerdict::kTakePlace);
  take_rollout_place(host("web-2"), "v2", kNow + 60);
  EXPECT_EQ(decide("web-3").verdict, RolloutVerdict::kPaused);
}

TEST_F(RolloutTest, APercentageOfNamedHostsCountsTheEnrolledOnesOnly) {
  target_.spec["hosts"] = {"web-1", "web-2", "web-3", "web-2"};
  limits({{"maxConcurrency", "50%"}});
  enrol("web-1");
  enrol("web-2");
  enrol("web-3", /*revoked=*/true);
  enrol("web-4");  // not named
  // 50% of the two enrolled, unrevoked hosts named: one place.
  take_rollout_place(host("web-1"), "v2", kNow + 60);
  EXPECT_EQ(decide("web-2").verdict, RolloutVerdict::kPaused);
}

TEST_F(RolloutTest, HaltsOnceFailuresExceedMaxErrorsButTheFailedMayRetry) {
  limits({{"maxErrors", 1}});
  failed("web-1", "v2");
  EXPECT_EQ(decide("web-3").verdict, RolloutVerdict::kGo);
  failed("web-2", "v2");
  const RolloutDecision halted = decide("web-3");
  EXPECT_EQ(halted.verdict, RolloutVerdict::kHalted);
  EXPECT_NE(halted.message.find("2 host(s) failed it, more than maxErrors 1"), std::string::npos)
      << halted.message;
  EXPECT_NE(halted.message.find("web-1 (reload failed)"), std::string::npos) << halted.message;
  EXPECT_EQ(decide("web-1").verdict, RolloutVerdict::kGo);
  // Failures of another version do not count; a new version starts afresh.
  EXPECT_EQ(decide("web-3", "v3").verdict, RolloutVerdict::kGo);
  // A failed host that succeeded counts its failure off.
  deployed("web-2", "v2");
  EXPECT_EQ(decide("web-3").verdict, RolloutVerdict::kGo);
}

TEST_F(RolloutTest, MaxErrorsZeroStopsAtTheFirstFailure) {
  limits({{"maxErrors", 0}, {"maxConcurrency", 1}});
  failed("web-1", "v2");
  EXPECT_EQ(decide("web-2").verdict, RolloutVerdict::kHalted);
  // A failure's report cleared its place: the failed host may take one.
  EXPECT_EQ(decide("web-1").verdict, RolloutVerdict::kTakePlace);
}

TEST_F(RolloutTest, APlaceThatTimedOutCountsAsAFailureUntilTheHostReports) {
  limits({{"maxErrors", 0}, {"maxConcurrency", 2}});
  take_rollout_place(host("web-1"), "v2", kNow + 60);
  EXPECT_EQ(decide("web-2").verdict, RolloutVerdict::kTakePlace) << "still within its timeout";
  const RolloutDecision halted = decide("web-2", "v2", kNow + 60);
  EXPECT_EQ(halted.verdict, RolloutVerdict::kHalted);
  EXPECT_NE(halted.message.find("web-1 (no report by"), std::string::npos) << halted.message;
  EXPECT_NE(halted.message.find("timed out"), std::string::npos) << halted.message;
  // The silent host itself may try again, and its report ends the failure.
  EXPECT_EQ(decide("web-1", "v2", kNow + 60).verdict, RolloutVerdict::kTakePlace);
  clear_rollout_place(host("web-1"));
  deployed("web-1", "v2");
  EXPECT_EQ(decide("web-2", "v2", kNow + 60).verdict, RolloutVerdict::kTakePlace);
  // A timed-out place of an older version counts for nothing now.
  take_rollout_place(host("web-3"), "v1", kNow - 1);
  EXPECT_EQ(decide("web-2", "v2", kNow + 60).verdict, RolloutVerdict::kTakePlace);
}

TEST_F(RolloutTest, ClearingAPlaceOfAHostNeverSeenIsNothing) {
  json fresh;
  clear_rollout_place(fresh);
  EXPECT_TRUE(fresh.is_null());
  take_rollout_place(fresh, "v2", kNow);
  clear_rollout_place(fresh);
  EXPECT_FALSE(fresh.contains("rollout"));
}

TEST_F(RolloutTest, TimeoutComesFromTheSpec) {
  limits({{"maxConcurrency", 1}, {"timeout", "2m"}});
  EXPECT_EQ(limits_.timeout, 120);
  limits({{"maxConcurrency", 1}});
  EXPECT_EQ(limits_.timeout, kDefaultRolloutTimeout);
}

}  // namespace
}  // namespace keyform::fleet
