#include <gtest/gtest.h>

#include "state/backend.h"
#include "util/error.h"

namespace keyform {
namespace {

using Type = JournalRecord::Type;

JournalRecord done_record(const std::string& name, uint64_t serial, const std::string& digest) {
  JournalRecord r;
  r.type = Type::kDone;
  r.serial = serial;
  r.action_id = "act-" + std::to_string(serial);
  r.address = "Secret/" + name;
  RecordedResource e;
  e.kind = "Secret";
  e.name = name;
  e.spec_digest = digest;
  r.entry = e;
  return r;
}

TEST(ApplyRecord, DoneInsertsThenReplaces) {
  State s;
  apply_record(s, done_record("db", 1, "d1"));
  ASSERT_NE(s.find("Secret/db"), nullptr);
  EXPECT_EQ(s.find("Secret/db")->spec_digest, "d1");
  EXPECT_EQ(s.serial, 1u);
  apply_record(s, done_record("db", 2, "d2"));
  EXPECT_EQ(s.find("Secret/db")->spec_digest, "d2");
  EXPECT_EQ(s.resources.size(), 1u);
  EXPECT_EQ(s.serial, 2u);
}

TEST(ApplyRecord, RemoveErasesAndSetsSerial) {
  State s;
  apply_record(s, done_record("db", 1, "d1"));
  JournalRecord r;
  r.type = Type::kRemove;
  r.serial = 2;
  r.address = "Secret/db";
  apply_record(s, r);
  EXPECT_EQ(s.find("Secret/db"), nullptr);
  EXPECT_EQ(s.serial, 2u);
}

TEST(ApplyRecord, MetaSetsCommitAndSerial) {
  State s;
  JournalRecord r;
  r.type = Type::kMeta;
  r.serial = 5;
  r.git_commit = "abc123";
  r.git_author = "Ada <ada@example.org>";
  r.git_commit_time = 1800000000;
  r.git_dirty = true;
  apply_record(s, r);
  EXPECT_EQ(s.git_commit, "abc123");
  EXPECT_EQ(s.git_author, "Ada <ada@example.org>");
  EXPECT_EQ(s.git_commit_time, 1800000000);
  EXPECT_TRUE(s.git_dirty);
  EXPECT_EQ(s.serial, 5u);
}

TEST(ApplyRecord, IntentChangesNothing) {
  State s;
  apply_record(s, done_record("db", 1, "d1"));
  JournalRecord r;
  r.type = Type::kIntent;
  r.serial = 9;
  r.address = "Secret/db";
  r.action = "rotate";
  apply_record(s, r);
  EXPECT_EQ(s.serial, 1u);
  EXPECT_EQ(s.find("Secret/db")->spec_digest, "d1");
}

TEST(ApplyRecord, DoneWithoutEntryIsAnError) {
  State s;
  JournalRecord r = done_record("db", 1, "d1");
  r.entry.reset();
  EXPECT_THROW(apply_record(s, r), Error);
  EXPECT_EQ(s.serial, 0u);
}

}  // namespace
}  // namespace keyform
