// ApplyContext::record_progress: the steps of a multi-step action are
// journalled as they happen, so a failure (or a crash) leaves the state at
// the last step, and a success leaves the final entry.
#include <gtest/gtest.h>

#include "reconciler/config/loader.h"
#include "reconciler/executor.h"
#include "reconciler/graph.h"
#include "state/local/local_backend.h"
#include "tests/unit/fake_provider.h"
#include "tests/unit/test_support.h"
#include "util/error.h"
#include "util/random.h"

namespace keyform {
namespace {

// Kind "Step": apply records steps 1..spec.steps, then fails when spec.fail.
class StepProvider : public Provider {
 public:
  std::string_view kind() const override { return "Step"; }
  std::vector<Reference> references(const Resource&, const Project&) const override { return {}; }
  Change diff(const DiffInput& in) const override {
    if (!in.recorded) return {ActionType::kCreate, {"not in state"}};
    return {};
  }
  RecordedResource apply(ApplyContext& ctx) const override {
    RecordedResource rec = record_from(*ctx.desired, {});
    for (int i = 1; i <= ctx.desired->spec.value("steps", 0); ++i) {
      rec.attributes["step"] = i;
      ctx.record_progress(rec);
    }
    if (ctx.desired->spec.value("fail", false)) throw Error("step failed");
    rec.attributes["step"] = "finished";
    return rec;
  }
};

class ExecutorProgressTest : public ::testing::Test {
 protected:
  ExecutorProgressTest() : backend_(make_local_backend(dir_.path() / ".keyform")) {
    registry_.add(std::make_unique<StepProvider>());
    State initial;
    initial.lineage = "test-lineage";
    backend_->create(initial);
  }

  ExecutionResult run(const nlohmann::json& spec, State* in_memory) {
    Resource r;
    r.kind = "Step";
    r.name = "a";
    r.spec = spec;
    Config config = testing::fake_config({r});
    State state = backend_->load().state;
    Graph graph = build_graph(config, registry_);
    PlanOptions options;
    options.now = 1'800'000'000;
    Plan plan = make_plan(config, state, graph, registry_, options);
    Keyring keyring(random_secret(32), backend_->objects());
    PosixFileSystem files;
    ExecutionEnv env{config, graph, registry_, *backend_, keyring, files};
    env.now = options.now;
    ExecutionObserver quiet;
    ExecutionResult result = execute(plan, state, env, quiet);
    *in_memory = state;
    return result;
  }

  testing::TempDir dir_;
  std::unique_ptr<Backend> backend_;
  ProviderRegistry registry_;
};

TEST_F(ExecutorProgressTest, AFailureLeavesTheLastRecordedStep) {
  State memory;
  ExecutionResult r = run({{"steps", 2}, {"fail", true}}, &memory);
  EXPECT_EQ(r.failed, 1u);
  State loaded = backend_->load().state;
  ASSERT_NE(loaded.find("Step/a"), nullptr);
  EXPECT_EQ(loaded.find("Step/a")->attributes["step"], 2);
  // The run's own view agrees with what a reload sees.
  EXPECT_EQ(memory.find("Step/a")->attributes["step"], 2);
  EXPECT_EQ(memory.serial, loaded.serial);
}

TEST_F(ExecutorProgressTest, ASuccessLeavesTheFinalEntryWithGapFreeSerials) {
  State memory;
  ExecutionResult r = run({{"steps", 3}}, &memory);
  EXPECT_EQ(r.succeeded, 1u);
  State loaded = backend_->load().state;
  EXPECT_EQ(loaded.find("Step/a")->attributes["step"], "finished");
  EXPECT_EQ(loaded.serial, 4u);  // three steps and the final done
  EXPECT_EQ(memory.serial, loaded.serial);
}

}  // namespace
}  // namespace keyform
