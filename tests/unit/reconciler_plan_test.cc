#include <gtest/gtest.h>

#include "reconciler/config/loader.h"
#include "reconciler/graph.h"
#include "reconciler/plan.h"
#include "tests/unit/fake_provider.h"

namespace keyform {
namespace {

using testing::fake;
using testing::fake_config;
using testing::FakeProvider;

class PlanTest : public ::testing::Test {
 protected:
  PlanTest() { registry_.add(std::make_unique<FakeProvider>()); }

  Plan plan(const Config& config, PlanOptions options = {}) {
    Graph graph = build_graph(config, registry_);
    return make_plan(config, state_, graph, registry_, options);
  }

  // Records `r` as applied, as the executor would.
  void record(const Resource& r, bool protect = false) {
    std::vector<std::string> deps;
    for (const auto& d : r.spec.value("deps", nlohmann::json::array())) deps.push_back(d);
    RecordedResource rec = record_from(r, deps);
    rec.deletion_protection = protect;
    state_.resources[r.address()] = rec;
  }

  ProviderRegistry registry_;
  State state_;
};

TEST_F(PlanTest, EverythingNewIsCreatedInDependencyOrder) {
  Config config = fake_config({fake("b", {"Fake/a"}), fake("a")});
  Plan p = plan(config);
  ASSERT_EQ(p.actions.size(), 2u);
  EXPECT_EQ(p.actions[0].address, "Fake/a");
  EXPECT_EQ(p.actions[1].address, "Fake/b");
  EXPECT_EQ(p.actions[1].type, ActionType::kCreate);
  EXPECT_EQ(p.actions[1].reasons, std::vector<std::string>{"not in state"});
  EXPECT_EQ(p.actions[1].after, std::vector<std::string>{"Fake/a"});
  EXPECT_TRUE(p.has_changes());
}

TEST_F(PlanTest, DependentsOfPendingOutputsWaitAndSayWhy) {
  Resource a = fake("a");
  a.spec["pending"] = true;
  Config config = fake_config({a, fake("b", {"Fake/a"}), fake("c", {"Fake/b"}), fake("d")});
  Plan p = plan(config);
  ASSERT_EQ(p.actions.size(), 4u);
  const Action* pa = p.find("Fake/a");
  EXPECT_EQ(pa->type, ActionType::kCreate);
  EXPECT_TRUE(pa->pending_outputs);
  const Action* b = p.find("Fake/b");
  EXPECT_EQ(b->type, ActionType::kNoOp);
  EXPECT_TRUE(b->waiting);
  EXPECT_EQ(b->reasons, (std::vector<std::string>{"waits for Fake/a: fake pending",
                                                  "would create: not in state"}));
  const Action* c = p.find("Fake/c");
  EXPECT_TRUE(c->waiting);
  EXPECT_EQ(c->reasons.front(), "waits for Fake/b, which waits for Fake/a: fake pending");
  EXPECT_FALSE(p.find("Fake/d")->waiting);
  EXPECT_EQ(p.find("Fake/d")->type, ActionType::kCreate);
  EXPECT_EQ(p.counts()[ActionType::kCreate], 2u);
}

TEST_F(PlanTest, RecordedAndUnchangedIsNoOp) {
  Config config = fake_config({fake("a"), fake("b", {"Fake/a"})});
  for (const Resource& r : config.resources) record(r);
  Plan p = plan(config);
  EXPECT_FALSE(p.has_changes());
  for (const Action& a : p.actions) EXPECT_EQ(a.type, ActionType::kNoOp);
}

TEST_F(PlanTest, ChangedFieldIsNamedAndPropagates) {
  Config config = fake_config({fake("a"), fake("b", {"Fake/a"}), fake("c", {"Fake/b"})});
  for (const Resource& r : config.resources) record(r);
  config.resources[0].spec["version"] = 2;
  Plan p = plan(config);
  const Action* a = p.find("Fake/a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type, ActionType::kReplace);
  EXPECT_EQ(a->reasons, std::vector<std::string>{"spec.version changed"});
  EXPECT_EQ(p.find("Fake/b")->reasons, std::vector<std::string>{"Fake/a changes"});
  EXPECT_EQ(p.find("Fake/c")->type, ActionType::kReplace);
}

TEST_F(PlanTest, NoOpInBetweenPassesItsPredecessorsOn) {
  // c depends on b depends on a. a is replaced, b ignores it (a no-op), c is
  // new: c must still wait for a, the nearest change on its path.
  Resource b = fake("b", {"Fake/a"});
  b.spec["isolated"] = true;
  Config config = fake_config({fake("a"), b, fake("c", {"Fake/b"})});
  record(config.resources[0]);
  record(config.resources[1]);
  PlanOptions o;
  o.replace = {"Fake/a"};
  Plan p = plan(config, o);
  EXPECT_EQ(p.find("Fake/a")->type, ActionType::kReplace);
  EXPECT_EQ(p.find("Fake/b")->type, ActionType::kNoOp);
  EXPECT_EQ(p.find("Fake/c")->type, ActionType::kCreate);
  EXPECT_EQ(p.find("Fake/c")->after, std::vector<std::string>{"Fake/a"});
}

TEST_F(PlanTest, RemovedResourcesAreDeletedDependentsFirst) {
  Config config = fake_config({fake("a"), fake("b", {"Fake/a"}), fake("c", {"Fake/b"})});
  for (const Resource& r : config.resources) record(r);
  Plan p = plan(fake_config({}));
  ASSERT_EQ(p.actions.size(), 3u);
  EXPECT_EQ(p.actions[0].address, "Fake/c");
  EXPECT_EQ(p.actions[1].address, "Fake/b");
  EXPECT_EQ(p.actions[2].address, "Fake/a");
  for (const Action& a : p.actions) {
    EXPECT_EQ(a.type, ActionType::kDelete);
    EXPECT_EQ(a.reasons, std::vector<std::string>{"not in the configuration"});
  }
  EXPECT_EQ(p.actions[1].after, std::vector<std::string>{"Fake/c"});
  EXPECT_TRUE(p.errors.empty());
}

TEST_F(PlanTest, DeletingAProtectedResourceIsAnError) {
  record(fake("keep"), /*protect=*/true);
  Plan p = plan(fake_config({}));
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_NE(p.errors[0].find("Fake/keep has deletionProtection: true"), std::string::npos);
}

TEST_F(PlanTest, TargetLimitsThePlanToItAndItsDependencies) {
  Config config = fake_config({fake("a"), fake("b", {"Fake/a"}), fake("c")});
  PlanOptions o;
  o.targets = {"Fake/b"};
  Plan p = plan(config, o);
  ASSERT_EQ(p.actions.size(), 2u);
  EXPECT_NE(p.find("Fake/a"), nullptr);
  EXPECT_NE(p.find("Fake/b"), nullptr);
  EXPECT_EQ(p.find("Fake/c"), nullptr);
}

TEST_F(PlanTest, UnknownTargetIsAnError) {
  Config config = fake_config({fake("a")});
  PlanOptions o;
  o.targets = {"Fake/nope"};
  EXPECT_THROW(plan(config, o), Error);
}

TEST_F(PlanTest, ReplaceForcesReplacement) {
  Config config = fake_config({fake("a")});
  record(config.resources[0]);
  PlanOptions o;
  o.replace = {"Fake/a"};
  Plan p = plan(config, o);
  EXPECT_EQ(p.find("Fake/a")->type, ActionType::kReplace);
}

TEST_F(PlanTest, ActionIdsAreStableForTheSameState) {
  Config config = fake_config({fake("a")});
  EXPECT_EQ(plan(config).actions[0].id, plan(config).actions[0].id);
  state_.serial = 1;
  std::string before = plan(config).actions[0].id;
  state_.serial = 2;
  EXPECT_NE(plan(config).actions[0].id, before);
}

TEST_F(PlanTest, DeletingWhatARemainingResourceWasMadeWithIsAnError) {
  // b was made with a; a leaves the config but b stays, unchanged.
  record(fake("a"));
  record(fake("b", {"Fake/a"}));
  Resource b = fake("b");
  b.spec["isolated"] = true;
  state_.resources["Fake/b"] = record_from(b, {"Fake/a"});
  Plan p = plan(fake_config({b}));
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_NE(
      p.errors[0].find(
          "Fake/a is no longer in the configuration, but Fake/b (still managed) was made with it"),
      std::string::npos)
      << p.errors[0];
  EXPECT_NE(p.errors[0].find("--replace Fake/b"), std::string::npos);
}

TEST_F(PlanTest, DeletingWhatAReplacedResourceWasMadeWithIsFine) {
  record(fake("a"));
  record(fake("b", {"Fake/a"}));
  PlanOptions o;
  o.replace = {"Fake/b"};
  Plan p = plan(fake_config({fake("b")}), o);
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.find("Fake/a")->type, ActionType::kDelete);
  EXPECT_EQ(p.find("Fake/a")->after, std::vector<std::string>{"Fake/b"});
}

}  // namespace
}  // namespace keyform
