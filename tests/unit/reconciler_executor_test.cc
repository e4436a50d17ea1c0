#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "reconciler/config/loader.h"
#include "reconciler/executor.h"
#include "reconciler/graph.h"
#include "state/local/local_backend.h"
#include "state/local/snapshot_file.h"
#include "tests/unit/fake_provider.h"
#include "tests/unit/test_support.h"
#include "util/file_io.h"
#include "util/random.h"

namespace keyform {
namespace {

using testing::fake;
using testing::fake_config;
using testing::FakeProvider;

class RecordingObserver : public ExecutionObserver {
 public:
  void started(const Action& a) override { events.push_back("started " + a.address); }
  void finished(const Action& a, const RecordedResource*, std::chrono::milliseconds) override {
    events.push_back("finished " + a.address);
  }
  void failed(const Action& a, const std::string& e) override {
    events.push_back("failed " + a.address + ": " + e);
  }
  void skipped(const Action& a, const std::string& because) override {
    events.push_back("skipped " + a.address + " (" + because + ")");
  }
  std::vector<std::string> events;
};

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() : backend_(make_local_backend(dir_.path() / ".keyform")) {
    auto provider = std::make_unique<FakeProvider>();
    fake_ = provider.get();
    registry_.add(std::move(provider));
    State initial;
    initial.lineage = "test-lineage";
    backend_->create(initial);
  }

  // Plans `config` against the recorded state and executes it.
  ExecutionResult run(const Config& config, int parallelism) {
    State state = backend_->load().state;
    Graph graph = build_graph(config, registry_);
    PlanOptions options;
    options.now = 1'800'000'000;
    Plan plan = make_plan(config, state, graph, registry_, options);
    Keyring keyring(random_secret(32), backend_->objects());
    PosixFileSystem files;
    ExecutionEnv env{config, graph, registry_, *backend_, keyring, files};
    env.now = options.now;
    env.parallelism = parallelism;
    ExecutionResult r = execute(plan, state, env, observer_);
    state_ = state;
    return r;
  }

  size_t index_of(const std::vector<std::string>& log, const std::string& s) {
    auto it = std::find(log.begin(), log.end(), s);
    EXPECT_NE(it, log.end()) << s;
    return static_cast<size_t>(it - log.begin());
  }

  testing::TempDir dir_;
  std::unique_ptr<Backend> backend_;
  ProviderRegistry registry_;
  FakeProvider* fake_ = nullptr;
  RecordingObserver observer_;
  State state_;
};

TEST_F(ExecutorTest, RunsDependenciesBeforeDependents) {
  Config config =
      fake_config({fake("c", {"Fake/b"}), fake("b", {"Fake/a"}), fake("a"), fake("d", {"Fake/a"})});
  ExecutionResult r = run(config, 4);
  EXPECT_EQ(r.succeeded, 4u);
  std::vector<std::string> log = fake_->log();
  EXPECT_LT(index_of(log, "end Fake/a"), index_of(log, "start Fake/b"));
  EXPECT_LT(index_of(log, "end Fake/b"), index_of(log, "start Fake/c"));
  EXPECT_LT(index_of(log, "end Fake/a"), index_of(log, "start Fake/d"));
}

TEST_F(ExecutorTest, RunsIndependentActionsInParallel) {
  fake_->set_gate(2);  // each apply waits until two run at once
  Config config = fake_config({fake("a"), fake("b"), fake("c"), fake("d")});
  ExecutionResult r = run(config, 2);
  EXPECT_EQ(r.succeeded, 4u);
  EXPECT_EQ(fake_->max_running(), 2);
  EXPECT_EQ(r.max_concurrency, 2u);
}

TEST_F(ExecutorTest, ParallelismOneRunsOneAtATime) {
  Config config = fake_config({fake("a"), fake("b"), fake("c")});
  run(config, 1);
  EXPECT_EQ(fake_->max_running(), 1);
}

TEST_F(ExecutorTest, FailureSkipsDependentsAndKeepsIndependentSuccesses) {
  Config config = fake_config({fake("base", {}, /*fail=*/true), fake("child", {"Fake/base"}),
                               fake("grandchild", {"Fake/child"}), fake("other")});
  ExecutionResult r = run(config, 2);
  EXPECT_EQ(r.succeeded, 1u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.skipped, 2u);
  EXPECT_FALSE(r.ok());
  auto& ev = observer_.events;
  EXPECT_NE(std::find(ev.begin(), ev.end(), "skipped Fake/child (Fake/base)"), ev.end());
  EXPECT_NE(std::find(ev.begin(), ev.end(), "skipped Fake/grandchild (Fake/base)"), ev.end());
  std::vector<std::string> log = fake_->log();
  EXPECT_EQ(std::count(log.begin(), log.end(), "start Fake/child"), 0);

  // The success is durable: a fresh load of the backend has it, and only it.
  LoadResult loaded = make_local_backend(dir_.path() / ".keyform")->load();
  EXPECT_NE(loaded.state.find("Fake/other"), nullptr);
  EXPECT_EQ(loaded.state.find("Fake/base"), nullptr);
  EXPECT_EQ(loaded.state.resources.size(), 1u);
  // A failed action is closed in the journal: no "did not finish" warning.
  EXPECT_TRUE(loaded.unfinished.empty());
}

TEST_F(ExecutorTest, SecondRunAfterSuccessHasNothingToDo) {
  Config config = fake_config({fake("a"), fake("b", {"Fake/a"})});
  run(config, 2);
  ExecutionResult r = run(config, 2);
  EXPECT_EQ(r.succeeded, 0u);
  EXPECT_EQ(fake_->log().size(), 4u);  // only the first run applied
}

TEST_F(ExecutorTest, SerialsAreGapFree) {
  Config config = fake_config({fake("a"), fake("b"), fake("c", {"Fake/a", "Fake/b"})});
  run(config, 2);
  EXPECT_EQ(state_.serial, 3u);
  EXPECT_EQ(make_local_backend(dir_.path() / ".keyform")->load().state.serial, 3u);
}

TEST_F(ExecutorTest, CheckpointKeepsEverything) {
  std::vector<Resource> many;
  for (int i = 0; i < 40; ++i) many.push_back(fake("r" + std::to_string(i)));
  Config config = fake_config(many);
  State state = backend_->load().state;
  Graph graph = build_graph(config, registry_);
  Plan plan = make_plan(config, state, graph, registry_, PlanOptions{1'800'000'000, {}, {}});
  Keyring keyring(random_secret(32), backend_->objects());
  PosixFileSystem files;
  ExecutionEnv env{config, graph, registry_, *backend_, keyring, files};
  env.parallelism = 2;
  env.checkpoint_records = 10;  // forces several checkpoints
  execute(plan, state, env, observer_);
  LoadResult loaded = make_local_backend(dir_.path() / ".keyform")->load();
  EXPECT_EQ(loaded.state.resources.size(), 40u);
  EXPECT_EQ(loaded.state.serial, 40u);
  // Some of it came from a snapshot written during the run.
  State snapshot =
      decode_snapshot(read_file(dir_.path() / ".keyform" / "state.json"), "state.json");
  EXPECT_GT(snapshot.serial, 0u);
  EXPECT_LT(snapshot.serial, 40u + 1);
}

TEST_F(ExecutorTest, RefusesAStalePlan) {
  Config config = fake_config({fake("a")});
  State state = backend_->load().state;
  Graph graph = build_graph(config, registry_);
  Plan plan = make_plan(config, state, graph, registry_, PlanOptions{});
  state.serial = 5;
  Keyring keyring(random_secret(32), backend_->objects());
  PosixFileSystem files;
  ExecutionEnv env{config, graph, registry_, *backend_, keyring, files};
  EXPECT_THROW(execute(plan, state, env, observer_), Error);
}

// A CA's revoke is a second action on its address: `after: X` waits for the
// actions on X placed earlier in the plan, never for later ones.
TEST_F(ExecutorTest, SecondActionOnAnAddressWaitsForWhatItFollows) {
  Config config = fake_config({fake("a"), fake("b", {"Fake/a"})});
  State state = backend_->load().state;
  Graph graph = build_graph(config, registry_);
  Plan plan = make_plan(config, state, graph, registry_, PlanOptions{});
  Action again;
  again.id = "second";
  again.address = "Fake/a";
  again.type = ActionType::kRevoke;
  again.after = {"Fake/a", "Fake/b"};
  plan.actions.push_back(again);
  Keyring keyring(random_secret(32), backend_->objects());
  PosixFileSystem files;
  ExecutionEnv env{config, graph, registry_, *backend_, keyring, files};
  env.parallelism = 4;
  ExecutionResult r = execute(plan, state, env, observer_);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.succeeded, 3u);
  std::vector<std::string> log = fake_->log();
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[0], "start Fake/a");
  EXPECT_LT(index_of(log, "end Fake/b"), 4u);
  EXPECT_EQ(log[4], "start Fake/a");  // the second action, after b
  EXPECT_EQ(state.find("Fake/a")->attributes["applied"], "revoke");
}

// The race a replaced certificate's revoke once caused: a worker reading its
// issuer's recorded entry while the owner folds the issuer's revoke into it.
// The worker must see the entry as it was when it started, however long it
// runs; under ThreadSanitizer the old in-place fold is also a data race.
class SnapshotReader : public FakeProvider {
 public:
  RecordedResource apply(ApplyContext& ctx) const override {
    if (ctx.action.address == "Fake/ca") {
      RecordedResource rec = record_from(*ctx.desired, {});
      rec.attributes["crl"] = ctx.action.type == ActionType::kRevoke ? "revoked" : "issued";
      return rec;
    }
    const RecordedResource* issuer = ctx.deps.at("Fake/ca").get();
    std::string before = issuer->attributes.value("crl", "");
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return revoke_folded; });
    }
    RecordedResource rec = record_from(*ctx.desired, {"Fake/ca"});
    rec.attributes["seen_before"] = before;
    rec.attributes["seen_after"] = issuer->attributes.value("crl", "");
    return rec;
  }
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  mutable bool revoke_folded = false;
};

class RevokeObserver : public ExecutionObserver {
 public:
  explicit RevokeObserver(SnapshotReader& p) : p_(p) {}
  void finished(const Action& a, const RecordedResource*, std::chrono::milliseconds) override {
    if (a.type != ActionType::kRevoke) return;
    {
      std::lock_guard<std::mutex> lock(p_.mu);
      p_.revoke_folded = true;
    }
    p_.cv.notify_all();
  }

 private:
  SnapshotReader& p_;
};

TEST(ExecutorSnapshots, AWorkerReadsItsDependenciesAsTheyWereWhenItStarted) {
  testing::TempDir dir;
  std::unique_ptr<Backend> backend = make_local_backend(dir.path() / ".keyform");
  State initial;
  initial.lineage = "test-lineage";
  backend->create(initial);
  ProviderRegistry registry;
  auto owned = std::make_unique<SnapshotReader>();
  SnapshotReader& provider = *owned;
  registry.add(std::move(owned));

  Config config = fake_config({fake("ca"), fake("web", {"Fake/ca"})});
  State state = backend->load().state;
  Graph graph = build_graph(config, registry);
  Plan plan = make_plan(config, state, graph, registry, PlanOptions{});
  ASSERT_EQ(plan.actions.size(), 2u);
  // The CA's revoke follows the CA's own action only, so it runs (and is
  // folded in) while the certificate that depends on the CA is still running.
  Action revoke;
  revoke.id = "revoke";
  revoke.address = "Fake/ca";
  revoke.type = ActionType::kRevoke;
  revoke.after = {"Fake/ca"};
  plan.actions.push_back(revoke);

  Keyring keyring(random_secret(32), backend->objects());
  PosixFileSystem files;
  ExecutionEnv env{config, graph, registry, *backend, keyring, files};
  env.parallelism = 2;
  RevokeObserver observer(provider);
  ExecutionResult r = execute(plan, state, env, observer);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(provider.revoke_folded);
  EXPECT_EQ(state.find("Fake/ca")->attributes["crl"], "revoked");
  const RecordedResource& web = *state.find("Fake/web");
  EXPECT_EQ(web.attributes["seen_before"], "issued");
  EXPECT_EQ(web.attributes["seen_after"], "issued");
}

}  // namespace
}  // namespace keyform
