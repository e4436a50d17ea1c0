#include <gtest/gtest.h>

#include "state/local/local_backend.h"
#include "state/state_writer.h"
#include "tests/unit/test_support.h"

namespace keyform {
namespace {

using Type = JournalRecord::Type;

JournalRecord done_with(const std::string& name, std::map<std::string, std::string> objects) {
  JournalRecord r;
  r.type = Type::kDone;
  r.action_id = "act-" + name;
  r.address = "Secret/" + name;
  RecordedResource e;
  e.kind = "Secret";
  e.name = name;
  e.objects = std::move(objects);
  r.entry = e;
  return r;
}

class StateWriterTest : public ::testing::Test {
 protected:
  StateWriterTest() : backend_(make_local_backend(dir_.path() / ".keyform")) {
    State initial;
    initial.lineage = "l";
    backend_->create(initial);
    state_ = backend_->load().state;
    backend_->objects().put("aa01", "one");
    backend_->objects().put("aa02", "two");
  }
  testing::TempDir dir_;
  std::unique_ptr<Backend> backend_;
  State state_;
};

TEST(RecordedEntries, APrefixRangeHoldsExactlyTheEntriesOfThatPrefix) {
  RecordedEntries entries;
  for (const char* a : {"FleetAgent/web-1", "FleetAgent/web-2", "FleetAgen/x", "FleetAgent0",
                        "FleetInventory/web", "Certificate/web", "FleetAgent/"}) {
    RecordedResource r;
    r.name = a;
    entries.put(a, r);
  }
  std::vector<std::string> got;
  for (const auto& [address, entry] : entries.with_prefix("FleetAgent/")) got.push_back(address);
  EXPECT_EQ(got, (std::vector<std::string>{"FleetAgent/", "FleetAgent/web-1", "FleetAgent/web-2"}));
  EXPECT_EQ(entries.with_prefix("Nothing/").begin(), entries.with_prefix("Nothing/").end());
  size_t all = 0;
  for (const auto& e : entries.with_prefix("")) (void)e, ++all;
  EXPECT_EQ(all, entries.size());
}

TEST_F(StateWriterTest, AssignsSerialsInOrderAndIntentsCarryTheSerialReached) {
  StateWriter w(*backend_, state_);
  std::vector<JournalRecord> records = {done_with("a", {}), done_with("b", {})};
  JournalRecord intent;
  intent.type = Type::kIntent;
  intent.action_id = "next";
  intent.address = "Secret/c";
  records.push_back(intent);
  EXPECT_EQ(w.log_and_apply(records), 2u);
  EXPECT_EQ(records[0].serial, 1u);
  EXPECT_EQ(records[1].serial, 2u);
  EXPECT_EQ(records[2].serial, 2u);
  // Durable and folded alike: a fresh load sees what the state holds.
  LoadResult loaded = backend_->load();
  EXPECT_EQ(loaded.state.serial, 2u);
  EXPECT_NE(loaded.state.find("Secret/b"), nullptr);
  EXPECT_EQ(loaded.unfinished.size(), 1u);
}

TEST_F(StateWriterTest, DropsOnlyTheObjectsTheNewEntryNoLongerHolds) {
  StateWriter w(*backend_, state_);
  w.log_and_apply(done_with("a", {{"v1", "aa01"}, {"v2", "aa02"}}));
  w.log_and_apply(done_with("a", {{"v2", "aa02"}}));
  EXPECT_FALSE(backend_->objects().exists("aa01"));
  EXPECT_TRUE(backend_->objects().exists("aa02"));
}

TEST_F(StateWriterTest, KeepObjectsLeavesThemWhenAnEntryIsRemoved) {
  StateWriter w(*backend_, state_);
  w.log_and_apply(done_with("a", {{"v1", "aa01"}}));
  JournalRecord rm;
  rm.type = Type::kRemove;
  rm.action_id = "state-rm";
  rm.address = "Secret/a";
  w.log_and_apply(rm, StateWriter::Objects::kKeep);
  EXPECT_EQ(state_.find("Secret/a"), nullptr);
  EXPECT_TRUE(backend_->objects().exists("aa01"));
}

TEST_F(StateWriterTest, APublishedEntryIsNeverChangedUnderItsReader) {
  StateWriter w(*backend_, state_);
  w.log_and_apply(done_with("a", {{"v1", "aa01"}}));
  RecordedEntries::Snapshot held = state_.resources.share("Secret/a");
  w.log_and_apply(done_with("a", {{"v2", "aa02"}}));
  EXPECT_EQ(held->objects.at("v1"), "aa01");
  EXPECT_EQ(state_.find("Secret/a")->objects.at("v2"), "aa02");
  // Copy-on-write: editing in place while a snapshot is held copies first.
  RecordedEntries::Snapshot again = state_.resources.share("Secret/a");
  state_.resources.edit("Secret/a").spec_digest = "edited";
  EXPECT_EQ(again->spec_digest, "");
  EXPECT_EQ(state_.find("Secret/a")->spec_digest, "edited");
}

TEST_F(StateWriterTest, ProgressIsJournalledButNotFolded) {
  StateWriter w(*backend_, state_);
  w.log_and_apply(done_with("a", {}));
  std::vector<JournalRecord> steps = {done_with("a", {{"pending", "aa01"}})};
  w.log_progress(steps);
  EXPECT_EQ(steps[0].serial, 2u);
  EXPECT_EQ(state_.serial, 2u);
  EXPECT_TRUE(state_.find("Secret/a")->objects.empty());
  EXPECT_EQ(backend_->load().state.find("Secret/a")->objects.size(), 1u);
}

}  // namespace
}  // namespace keyform
