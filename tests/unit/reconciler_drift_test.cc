#include <gtest/gtest.h>

#include "reconciler/config/loader.h"
#include "reconciler/drift.h"
#include "reconciler/graph.h"
#include "reconciler/plan.h"
#include "reconciler/render/drift_render.h"
#include "tests/unit/fake_provider.h"

namespace keyform {
namespace {

using testing::fake;
using testing::fake_config;
using testing::FakeProvider;

// A Fake whose observe() reports what its recorded "observed" attribute
// says ("MODIFIED:detail"), and which can stand in for another kind.
class ObservedFake : public FakeProvider {
 public:
  explicit ObservedFake(std::string kind = "Fake") : kind_(std::move(kind)) {}
  std::string_view kind() const override { return kind_; }
  Observation observe(const RecordedResource& r, ObserveContext& ctx) const override {
    Observation o;
    if (ctx.keyring) o.note(Observation::kModified, "unexpected keyring");
    std::string said = r.attributes.value("observed", "");
    if (said == "MODIFIED") o.note(Observation::kModified, r.name + " was changed");
    if (said == "DELETED") o.note(Observation::kDeleted, r.name + " is missing");
    if (said == "NOT_CHECKED") o.note(Observation::kNotChecked, "no root key");
    return o;
  }

 private:
  std::string kind_;
};

Resource of_kind(const std::string& kind, const std::string& name) {
  Resource r = fake(name);
  r.kind = kind;
  return r;
}

class DriftTest : public ::testing::Test {
 protected:
  DriftTest() {
    registry_.add(std::make_unique<ObservedFake>());
    registry_.add(std::make_unique<ObservedFake>("DeploymentTarget"));
  }

  void record(const Resource& r, const std::string& observed = "") {
    RecordedResource rec = record_from(r, {});
    if (!observed.empty()) rec.attributes["observed"] = observed;
    state_.resources[r.address()] = rec;
  }

  DriftReport drift(const Config& config, std::vector<std::string> kinds = {}) {
    return observe_drift(config, state_, registry_, 1000, nullptr, kinds);
  }

  Plan plan(const Config& config, const std::map<std::string, Observation>* observed) {
    Graph graph = build_graph(config, registry_);
    PlanOptions options;
    options.observed = observed;
    return make_plan(config, state_, graph, registry_, options);
  }

  ProviderRegistry registry_;
  State state_;
};

TEST_F(DriftTest, ObservesEveryRecordedResourceInAddressOrder) {
  Config config = fake_config({fake("b"), fake("a")});
  record(fake("b"), "MODIFIED");
  record(fake("a"));
  record(of_kind("Unknown", "x"));
  DriftReport report = drift(config);
  ASSERT_EQ(report.entries.size(), 3u);
  EXPECT_EQ(report.entries[0].address, "Fake/a");
  EXPECT_EQ(report.entries[0].status, Observation::kInSync);
  EXPECT_EQ(report.entries[1].address, "Fake/b");
  EXPECT_EQ(report.entries[1].status, Observation::kModified);
  EXPECT_EQ(report.entries[1].details, std::vector<std::string>{"b was changed"});
  EXPECT_EQ(report.entries[2].status, Observation::kNotChecked);
  EXPECT_EQ(report.entries[2].details, std::vector<std::string>{"no provider for kind Unknown"});
  EXPECT_TRUE(report.drifted());
}

TEST_F(DriftTest, NotCheckedCountsAsInSync) {
  Config config = fake_config({fake("a")});
  record(fake("a"), "NOT_CHECKED");
  DriftReport report = drift(config);
  EXPECT_FALSE(report.drifted());
  EXPECT_EQ(report.counts()[Observation::kNotChecked], 1u);
}

TEST_F(DriftTest, KindsFilterTheObservedResources) {
  Config config = fake_config({fake("a"), of_kind("DeploymentTarget", "web")});
  record(fake("a"), "MODIFIED");
  record(of_kind("DeploymentTarget", "web"), "DELETED");
  DriftReport report = drift(config, {"DeploymentTarget"});
  ASSERT_EQ(report.entries.size(), 1u);
  EXPECT_EQ(report.entries[0].address, "DeploymentTarget/web");
  EXPECT_EQ(report.entries[0].status, Observation::kDeleted);
}

TEST_F(DriftTest, WorseStatusWins) {
  Observation o;
  o.note(Observation::kNotChecked, "a");
  o.note(Observation::kDeleted, "b");
  o.note(Observation::kModified, "c");
  EXPECT_EQ(o.status, Observation::kDeleted);
  EXPECT_EQ(o.details.size(), 3u);
}

TEST_F(DriftTest, DriftedDeploymentTargetIsRepairedWithTheDriftAsReason) {
  Config config = fake_config({fake("a"), of_kind("DeploymentTarget", "web")});
  record(fake("a"), "MODIFIED");
  record(of_kind("DeploymentTarget", "web"), "DELETED");
  auto observed = observations_by_address(drift(config));
  Plan p = plan(config, &observed);
  const Action* web = p.find("DeploymentTarget/web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->type, ActionType::kRepair);
  EXPECT_EQ(web->reasons, std::vector<std::string>{"web is missing"});
  // Only deployment targets are repaired from drift.
  EXPECT_EQ(p.find("Fake/a")->type, ActionType::kNoOp);
}

TEST_F(DriftTest, WithoutObservationsThePlanIsPure) {
  Config config = fake_config({of_kind("DeploymentTarget", "web")});
  record(of_kind("DeploymentTarget", "web"), "MODIFIED");
  Plan p = plan(config, nullptr);
  EXPECT_EQ(p.find("DeploymentTarget/web")->type, ActionType::kNoOp);
}

TEST_F(DriftTest, AChangeAlreadyPlannedIsNotTurnedIntoARepair) {
  Config config = fake_config({of_kind("DeploymentTarget", "web")});
  record(of_kind("DeploymentTarget", "web"), "MODIFIED");
  auto observed = observations_by_address(drift(config));
  config.resources[0].description = "changed";
  Plan p = plan(config, &observed);
  EXPECT_EQ(p.find("DeploymentTarget/web")->type, ActionType::kReplace);
}

TEST_F(DriftTest, JsonHasTheFormatVersionAndEveryEntry) {
  Config config = fake_config({fake("a"), fake("b")});
  record(fake("a"), "MODIFIED");
  record(fake("b"));
  nlohmann::json j = render_drift_json(drift(config));
  EXPECT_EQ(j["format_version"], kDriftFormatVersion);
  EXPECT_EQ(j["drifted"], true);
  EXPECT_EQ(j["summary"]["MODIFIED"], 1);
  EXPECT_EQ(j["summary"]["IN_SYNC"], 1);
  ASSERT_EQ(j["entries"].size(), 2u);
  EXPECT_EQ(j["entries"][0]["address"], "Fake/a");
  EXPECT_EQ(j["entries"][0]["kind"], "Fake");
  EXPECT_EQ(j["entries"][0]["status"], "MODIFIED");
  EXPECT_EQ(j["entries"][0]["details"][0], "a was changed");
}

TEST_F(DriftTest, MarkdownHasASummaryAndARowPerDriftedResource) {
  Config config = fake_config({fake("a"), fake("b"), fake("c")});
  record(fake("a"), "MODIFIED");
  record(fake("b"));
  record(fake("c"), "NOT_CHECKED");
  std::string md = render_drift_markdown(drift(config));
  EXPECT_NE(md.find("| MODIFIED | 1 |"), std::string::npos);
  EXPECT_NE(md.find("| IN_SYNC | 1 |"), std::string::npos);
  EXPECT_NE(md.find("| `Fake/a` | MODIFIED | a was changed |"), std::string::npos);
  EXPECT_EQ(md.find("`Fake/b`"), std::string::npos);
  EXPECT_EQ(md.find("`Fake/c`"), std::string::npos);
}

TEST_F(DriftTest, TextListsWhatIsNotInSyncAndTheSummary) {
  Config config = fake_config({fake("a"), fake("b")});
  record(fake("a"), "DELETED");
  record(fake("b"));
  std::string text = render_drift_text(drift(config), Style{});
  EXPECT_NE(text.find("Fake/a: DELETED\n    a is missing\n"), std::string::npos);
  EXPECT_EQ(text.find("Fake/b"), std::string::npos);
  EXPECT_NE(text.find("Drift: 0 modified, 1 deleted, 1 in sync, 0 not checked."),
            std::string::npos);
}

TEST_F(DriftTest, NotCheckedReasonsDropWhatEachDetailIsAbout) {
  DriftReport report;
  report.entries = {
      {"A/a", "A", Observation::kNotChecked, {"out/a.pem not compared: no root key available"}},
      {"A/b",
       "A",
       Observation::kNotChecked,
       {"private key not checked: no root key available",
        "values not checked: no root key available"}},
      {"A/c", "A", Observation::kNotChecked, {"the server was not asked: DSN is not set"}},
      {"A/d", "A", Observation::kModified, {"x not compared: no root key available"}},
  };
  using Reasons = std::vector<std::pair<std::string, size_t>>;
  EXPECT_EQ(
      report.not_checked_reasons(),
      (Reasons{{"no root key available", 2}, {"the server was not asked: DSN is not set", 1}}));
}

TEST_F(DriftTest, TextSaysHowManyWereNotCheckedAndWhy) {
  Config config = fake_config({fake("a"), fake("b")});
  record(fake("a"), "NOT_CHECKED");
  record(fake("b"));
  std::string text = render_drift_text(drift(config), Style{});
  EXPECT_EQ(text.find("No drift. "), std::string::npos);
  EXPECT_NE(text.find("No drift in what was checked. Drift: 0 modified, 0 deleted, 1 in sync, 1 "
                      "not checked.\n1 not checked: no root key (1). `keyform drift --strict` "
                      "exits 2 when anything is not checked.\n"),
            std::string::npos);
  EXPECT_NE(render_drift_markdown(drift(config)).find("**No drift in what was checked.**"),
            std::string::npos);
}

TEST_F(DriftTest, EverythingCheckedSaysNoDrift) {
  Config config = fake_config({fake("a")});
  record(fake("a"));
  std::string text = render_drift_text(drift(config), Style{});
  EXPECT_EQ(text, "No drift. Drift: 0 modified, 0 deleted, 1 in sync, 0 not checked.\n");
}

}  // namespace
}  // namespace keyform
