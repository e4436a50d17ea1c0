#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "reconciler/config/loader.h"
#include "reconciler/graph.h"
#include "reconciler/saved_plan.h"
#include "tests/unit/fake_provider.h"
#include "tests/unit/test_support.h"
#include "util/error.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;

using testing::fake;
using testing::fake_config;
using testing::FakeProvider;
using testing::TempDir;

// The message of the keyform::Error that f throws; "" when it throws none.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class SavedPlanTest : public ::testing::Test {
 protected:
  SavedPlanTest() {
    registry_.add(std::make_unique<FakeProvider>());
    state_.lineage = "lineage-1";
    state_.serial = 3;
    config_ = fake_config({fake("a"), fake("b", {"Fake/a"}), fake("c", {"Fake/b"})});
    // a and b are recorded; c is new.
    state_.resources["Fake/a"] = record_from(config_.resources[0], {});
    state_.resources["Fake/b"] = record_from(config_.resources[1], {"Fake/a"});
    options_.now = 1'800'000'000;
    options_.replace = {"Fake/a"};
  }

  Plan plan(const Config& config, const PlanOptions& options) const {
    Graph graph = build_graph(config, registry_);
    return make_plan(config, state_, graph, registry_, options);
  }

  SavedPlan saved() const { return make_saved_plan(plan(config_, options_), config_, options_); }

  ProviderRegistry registry_;
  State state_;
  Config config_;
  PlanOptions options_;
};

TEST_F(SavedPlanTest, RoundTripKeepsThePlanAndWhatItWasMadeFrom) {
  SavedPlan s = saved();
  ASSERT_TRUE(s.plan.has_changes());
  SavedPlan back = parse_saved_plan(serialize_saved_plan(s), "p.plan");
  EXPECT_EQ(back.plan.lineage, "lineage-1");
  EXPECT_EQ(back.plan.serial, 3u);
  EXPECT_EQ(back.plan.now, 1'800'000'000);
  EXPECT_EQ(back.config_digest, config_digest(config_));
  EXPECT_EQ(back.replace, std::vector<std::string>{"Fake/a"});
  EXPECT_TRUE(back.targets.empty());
  ASSERT_EQ(back.plan.actions.size(), s.plan.actions.size());
  for (size_t i = 0; i < s.plan.actions.size(); ++i) {
    EXPECT_EQ(back.plan.actions[i].id, s.plan.actions[i].id);
    EXPECT_EQ(back.plan.actions[i].address, s.plan.actions[i].address);
    EXPECT_EQ(back.plan.actions[i].type, s.plan.actions[i].type);
    EXPECT_EQ(back.plan.actions[i].reasons, s.plan.actions[i].reasons);
    EXPECT_EQ(back.plan.actions[i].after, s.plan.actions[i].after);
  }
  EXPECT_EQ(back.options().now, options_.now);
  EXPECT_EQ(back.options().replace, options_.replace);
}

TEST_F(SavedPlanTest, CarriesTheConfigsCommitAndRefusesAnother) {
  SavedPlan s = saved();
  EXPECT_EQ(parse_saved_plan(serialize_saved_plan(s), "p.plan").commit, "");
  s.commit = std::string(40, 'a');
  s.commit_dirty = true;
  SavedPlan back = parse_saved_plan(serialize_saved_plan(s), "p.plan");
  EXPECT_EQ(back.commit, s.commit);
  EXPECT_TRUE(back.commit_dirty);
  EXPECT_NO_THROW(check_saved_plan_commit(back, s.commit));
  try {
    check_saved_plan_commit(back, std::string(40, 'b'));
    FAIL() << "accepted a plan made from another commit";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("saved plan is stale: it was made from commit aaaaaaa, the "
                                    "configuration now comes from commit bbbbbbb"));
  }
  EXPECT_THROW(check_saved_plan_commit(back, ""), Error);
}

TEST_F(SavedPlanTest, FileIsWrittenWithMode0600AndReadsBack) {
  TempDir dir;
  auto path = dir.path() / "p.plan";
  write_saved_plan(path, saved());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_saved_plan(path).plan.actions.size(), 3u);
}

TEST_F(SavedPlanTest, CurrentStateAndConfigPass) {
  SavedPlan s = saved();
  EXPECT_EQ(error_of([&] { check_saved_plan_current(s, state_, config_); }), "");
  Plan again = plan(config_, s.options());
  EXPECT_EQ(error_of([&] { check_same_actions(s.plan, again); }), "");
}

TEST_F(SavedPlanTest, MovedSerialIsStale) {
  SavedPlan s = saved();
  state_.serial = 5;
  EXPECT_EQ(error_of([&] { check_saved_plan_current(s, state_, config_); }),
            "saved plan is stale: the state moved from serial 3 to 5 since it was made; plan "
            "again");
}

TEST_F(SavedPlanTest, AnotherLineageIsRefused) {
  SavedPlan s = saved();
  state_.lineage = "lineage-2";
  EXPECT_NE(error_of([&] {
              check_saved_plan_current(s, state_, config_);
            }).find("saved plan is for another state"),
            std::string::npos);
}

TEST_F(SavedPlanTest, ChangedConfigIsStale) {
  SavedPlan s = saved();
  Config edited = config_;
  edited.resources[2].spec["version"] = 2;
  EXPECT_EQ(error_of([&] { check_saved_plan_current(s, state_, edited); }),
            "saved plan is stale: the configuration changed since the plan was made; plan again");
  Config project_edited = config_;
  project_edited.project.defaults["kmsKey"] = "main";
  EXPECT_NE(error_of([&] { check_saved_plan_current(s, state_, project_edited); }), "");
}

TEST_F(SavedPlanTest, ConfigDigestIgnoresDocumentOrder) {
  Config reordered = fake_config({fake("c", {"Fake/b"}), fake("b", {"Fake/a"}), fake("a")});
  EXPECT_EQ(config_digest(reordered), config_digest(config_));
  Config smaller = fake_config({fake("a"), fake("b", {"Fake/a"})});
  EXPECT_NE(config_digest(smaller), config_digest(config_));
}

TEST_F(SavedPlanTest, TamperedActionListIsRefused) {
  SavedPlan s = saved();
  Plan again = plan(config_, s.options());

  Plan other_type = s.plan;
  other_type.actions[2].type = ActionType::kDelete;
  EXPECT_NE(error_of([&] {
              check_same_actions(other_type, again);
            }).find("Fake/c is delete in the file but create in a new plan"),
            std::string::npos);

  Plan dropped = s.plan;
  dropped.actions.pop_back();
  EXPECT_NE(error_of([&] { check_same_actions(dropped, again); }).find("the file holds 2 actions"),
            std::string::npos);

  Plan other_id = s.plan;
  other_id.actions[0].id = "0000000000000000";
  EXPECT_NE(error_of([&] { check_same_actions(other_id, again); }).find("action id"),
            std::string::npos);

  Plan swapped = s.plan;
  std::swap(swapped.actions[0], swapped.actions[1]);
  EXPECT_NE(error_of([&] { check_same_actions(swapped, again); }), "");
}

TEST_F(SavedPlanTest, PlanningWithOtherOptionsDoesNotMatch) {
  SavedPlan s = saved();
  PlanOptions without_replace = s.options();
  without_replace.replace.clear();
  EXPECT_NE(error_of([&] { check_same_actions(s.plan, plan(config_, without_replace)); }), "");
}

TEST_F(SavedPlanTest, MalformedOrNewerFilesAreClearErrors) {
  EXPECT_EQ(error_of([] { parse_saved_plan("not json", "p.plan"); }),
            "p.plan is not a keyform saved plan (make one with `keyform plan -o FILE`)");
  EXPECT_EQ(error_of([] { parse_saved_plan(R"({"format_version": 1})", "p.plan"); }),
            "p.plan is not a keyform saved plan (make one with `keyform plan -o FILE`)");

  nlohmann::json j = nlohmann::json::parse(serialize_saved_plan(saved()));
  j["keyform_saved_plan"] = 2;
  EXPECT_NE(error_of([&] { parse_saved_plan(j.dump(), "p.plan"); }).find("made by a newer keyform"),
            std::string::npos);

  j = nlohmann::json::parse(serialize_saved_plan(saved()));
  j["plan"]["format_version"] = 2;
  EXPECT_NE(error_of([&] { parse_saved_plan(j.dump(), "p.plan"); }).find("a newer keyform"),
            std::string::npos);

  j = nlohmann::json::parse(serialize_saved_plan(saved()));
  j["plan"].erase("actions");
  EXPECT_EQ(error_of([&] { parse_saved_plan(j.dump(), "p.plan"); }),
            "p.plan: malformed saved plan: plan.actions is missing");

  j = nlohmann::json::parse(serialize_saved_plan(saved()));
  j["plan"]["actions"][1]["action"] = "explode";
  EXPECT_NE(error_of([&] {
              parse_saved_plan(j.dump(), "p.plan");
            }).find("plan.actions[1].action: expected an action name"),
            std::string::npos);

  j = nlohmann::json::parse(serialize_saved_plan(saved()));
  j["plan"]["serial"] = "3";
  EXPECT_EQ(error_of([&] { parse_saved_plan(j.dump(), "p.plan"); }),
            "p.plan: malformed saved plan: plan.serial: expected a non-negative integer");
}

}  // namespace
}  // namespace keyform
