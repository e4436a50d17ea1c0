#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/change_feed.h"
#include "state/journal.h"
#include "state/local/local_backend.h"
#include "tests/unit/backend_tail_checks.h"
#include "tests/unit/state_records.h"
#include "tests/unit/test_support.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;
using Type = JournalRecord::Type;
using testing::done;
using testing::initial_state;
using testing::intent;

JournalRecord removal(const std::string& action_id, const std::string& address, uint64_t serial) {
  JournalRecord r;
  r.type = Type::kRemove;
  r.serial = serial;
  r.action_id = action_id;
  r.address = address;
  return r;
}

class LocalBackendTest : public ::testing::Test {
 protected:
  LocalBackendTest() : dir_(tmp_.path() / ".keyform"), backend_(make_local_backend(dir_)) {}

  void create() { backend_->create(initial_state()); }
  std::unique_ptr<Backend> second() const { return make_local_backend(dir_); }
  void flip_byte(const fs::path& file, size_t offset) const {
    std::string bytes = read_file(file);
    bytes.at(offset) ^= 0x04;
    write_file_durable(file, bytes);
  }

  testing::TempDir tmp_;
  fs::path dir_;
  std::unique_ptr<Backend> backend_;
};

TEST_F(LocalBackendTest, CreateLaysOutTheDirectory) {
  EXPECT_FALSE(backend_->initialized());
  create();
  EXPECT_TRUE(backend_->initialized());
  EXPECT_EQ(read_file(dir_ / ".gitignore"), "*\n");
  EXPECT_TRUE(fs::is_directory(dir_ / "objects"));
  EXPECT_EQ(fs::file_size(dir_ / "journal"), 0u);
  struct stat st;
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir_ / "state.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(dir_ / "state.json").rfind("keyform-state v1 sha256=", 0), 0u);
  EXPECT_THAT(backend_->describe(), HasSubstr(".keyform"));
}

TEST_F(LocalBackendTest, CreateRefusesAnExistingState) {
  create();
  EXPECT_THROW(second()->create(initial_state()), Error);
}

TEST_F(LocalBackendTest, LoadWithoutInitSaysSo) {
  try {
    backend_->load();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("keyform init"));
  }
}

TEST_F(LocalBackendTest, LoadReturnsTheCreatedState) {
  create();
  LoadResult r = second()->load();
  EXPECT_EQ(r.state.lineage, "lineage-1");
  EXPECT_EQ(r.state.root_key_check, "check");
  EXPECT_EQ(r.state.serial, 0u);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.journal_records, 0u);
}

TEST_F(LocalBackendTest, AppendedRecordsAreReplayedByLoad) {
  create();
  backend_->append({intent("a1", "Secret/db"), intent("a2", "Secret/api")});
  backend_->append({done("a1", "db", 1), done("a2", "api", 2)});
  backend_->append({removal("a3", "Secret/api", 3)});
  LoadResult r = second()->load();
  EXPECT_EQ(r.state.serial, 3u);
  ASSERT_NE(r.state.find("Secret/db"), nullptr);
  EXPECT_EQ(r.state.find("Secret/db")->objects.at("value"), "00aa");
  EXPECT_EQ(r.state.find("Secret/api"), nullptr);
  EXPECT_EQ(r.journal_records, 5u);
  EXPECT_TRUE(r.unfinished.empty());
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(LocalBackendTest, UnfinishedIntentIsReportedWithAWarning) {
  create();
  backend_->append({intent("a1", "Secret/db"), intent("3fa2", "Certificate/web", "renew")});
  backend_->append({done("a1", "db", 1)});
  LoadResult r = second()->load();
  ASSERT_EQ(r.unfinished.size(), 1u);
  EXPECT_EQ(r.unfinished[0].action_id, "3fa2");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("Certificate/web"));
  EXPECT_THAT(r.warnings[0], HasSubstr("renew"));
  EXPECT_THAT(r.warnings[0], HasSubstr("3fa2"));
}

TEST_F(LocalBackendTest, CheckpointFoldsTheJournalIntoTheSnapshot) {
  create();
  backend_->append({done("a1", "db", 1), done("a2", "api", 2)});
  LoadResult before = second()->load();
  backend_->checkpoint(before.state);
  EXPECT_EQ(fs::file_size(dir_ / "journal"), 0u);
  LoadResult after = second()->load();
  EXPECT_EQ(after.journal_records, 0u);
  EXPECT_EQ(after.state.serial, 2u);
  EXPECT_EQ(to_json(after.state), to_json(before.state));
  // Appending after a checkpoint continues the new journal.
  backend_->append({done("a3", "web", 3)});
  LoadResult later = second()->load();
  EXPECT_EQ(later.journal_records, 1u);
  EXPECT_EQ(later.state.resources.size(), 3u);
}

TEST_F(LocalBackendTest, CheckpointCarriesIntentsStillInFlight) {
  create();
  backend_->append({intent("a1", "Secret/db"), intent("a2", "Secret/api")});
  backend_->append({done("a1", "db", 1)});
  backend_->checkpoint(second()->load().state);
  LoadResult r = second()->load();
  ASSERT_EQ(r.unfinished.size(), 1u);
  EXPECT_EQ(r.unfinished[0].action_id, "a2");
  EXPECT_EQ(r.state.serial, 1u);
}

TEST_F(LocalBackendTest, CheckpointRefusesToDropJournalledChanges) {
  create();
  backend_->append({done("a1", "db", 1), done("a2", "api", 2)});
  State stale = initial_state();
  stale.serial = 1;
  EXPECT_THROW(backend_->checkpoint(stale), Error);
  EXPECT_EQ(second()->load().state.serial, 2u);
}

// A crash after state.json is replaced but before the journal is: the old
// journal's records are already in the snapshot and must not apply again.
TEST_F(LocalBackendTest, ReplayAfterACheckpointCrashSkipsRecordsInTheSnapshot) {
  create();
  backend_->append({done("a1", "db", 1)});
  std::string old_journal = read_file(dir_ / "journal");
  // The snapshot went further than the journal (state surgery removed db).
  State s = backend_->load().state;
  s.resources.erase("Secret/db");
  s.serial = 2;
  backend_->checkpoint(s);
  write_file_durable(dir_ / "journal", old_journal);  // the journal the crash left
  LoadResult r = second()->load();
  EXPECT_EQ(r.state.serial, 2u);
  EXPECT_EQ(r.state.find("Secret/db"), nullptr);
  EXPECT_EQ(r.journal_records, 0u);
}

TEST_F(LocalBackendTest, ReplayAfterACheckpointCrashAppliesNewerRecords) {
  create();
  backend_->append({done("a1", "db", 1), done("a2", "api", 2)});
  std::string old_journal = read_file(dir_ / "journal");
  // A snapshot at serial 1 (a second instance has no journal history).
  State s1 = initial_state();
  s1.serial = 1;
  s1.resources["Secret/db"] = *done("a1", "db", 1).entry;
  second()->checkpoint(s1);
  write_file_durable(dir_ / "journal", old_journal);
  LoadResult r = second()->load();
  EXPECT_EQ(r.journal_records, 1u);
  EXPECT_EQ(r.state.serial, 2u);
  EXPECT_NE(r.state.find("Secret/api"), nullptr);
}

TEST_F(LocalBackendTest, TornJournalTailIsDroppedThenOverwritten) {
  create();
  backend_->append({done("a1", "db", 1)});
  backend_->append({done("a2", "api", 2)});
  fs::resize_file(dir_ / "journal", fs::file_size(dir_ / "journal") - 5);
  auto b = second();
  LoadResult r = b->load();
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("torn"));
  EXPECT_EQ(r.state.serial, 1u);
  b->append({done("a3", "web", 2)});
  LoadResult again = second()->load();
  EXPECT_TRUE(again.warnings.empty());
  EXPECT_EQ(again.state.serial, 2u);
  EXPECT_NE(again.state.find("Secret/web"), nullptr);
  EXPECT_EQ(again.state.find("Secret/api"), nullptr);
}

// A crash at any byte of a group append leaves a journal that loads: the
// records wholly written replay, the partial one is dropped with a warning.
TEST_F(LocalBackendTest, CrashAtEveryByteOfAnAppendStillLoads) {
  create();
  backend_->append({done("a1", "db", 1)});
  uint64_t before = fs::file_size(dir_ / "journal");
  backend_->append({done("a2", "api", 2), done("a3", "web", 3)});
  std::string full = read_file(dir_ / "journal");
  size_t second_record = before + encode_journal_record(done("a2", "api", 2)).size();
  for (size_t cut = before; cut <= full.size(); ++cut) {
    write_file_durable(dir_ / "journal", full.substr(0, cut));
    LoadResult r = second()->load();
    uint64_t expected = cut == full.size() ? 3 : cut >= second_record ? 2 : 1;
    ASSERT_EQ(r.state.serial, expected) << "cut at " << cut;
    ASSERT_EQ(r.state.resources.size(), expected) << "cut at " << cut;
    bool clean_cut = cut == before || cut == second_record || cut == full.size();
    ASSERT_EQ(r.warnings.size(), clean_cut ? 0u : 1u) << "cut at " << cut;
  }
}

// Each point a checkpoint can die at loads to the same state.
TEST_F(LocalBackendTest, CrashAtEachStepOfACheckpointStillLoads) {
  create();
  backend_->append({intent("a1", "Secret/db"), done("a1", "db", 1), done("a2", "api", 2)});
  std::string old_snapshot = read_file(dir_ / "state.json");
  std::string old_journal = read_file(dir_ / "journal");
  State s = second()->load().state;
  backend_->checkpoint(s);
  std::string new_snapshot = read_file(dir_ / "state.json");
  std::string new_journal = read_file(dir_ / "journal");
  for (auto [snapshot, journal] :
       {std::pair{old_snapshot, old_journal}, std::pair{new_snapshot, old_journal},
        std::pair{new_snapshot, new_journal}}) {
    write_file_durable(dir_ / "state.json", snapshot);
    write_file_durable(dir_ / "journal", journal);
    LoadResult r = second()->load();
    EXPECT_EQ(to_json(r.state), to_json(s));
    EXPECT_TRUE(r.warnings.empty());
  }
}

TEST_F(LocalBackendTest, AppendWithoutLoadAlsoCutsATornTail) {
  create();
  backend_->append({done("a1", "db", 1), done("a2", "api", 2)});
  fs::resize_file(dir_ / "journal", fs::file_size(dir_ / "journal") - 5);
  second()->append({done("a3", "web", 2)});
  LoadResult r = second()->load();
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.journal_records, 2u);
}

TEST_F(LocalBackendTest, FlippedByteInStateJsonIsAnErrorNamingTheFile) {
  create();
  backend_->append({done("a1", "db", 1)});
  backend_->checkpoint(backend_->load().state);
  std::string text = read_file(dir_ / "state.json");
  flip_byte(dir_ / "state.json", text.find("lineage-1"));
  try {
    second()->load();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("state.json"));
    EXPECT_THAT(e.what(), HasSubstr("sha256"));
  }
}

TEST_F(LocalBackendTest, TruncatedStateJsonIsAnError) {
  create();
  fs::resize_file(dir_ / "state.json", fs::file_size(dir_ / "state.json") - 2);
  EXPECT_THROW(second()->load(), Error);
}

TEST_F(LocalBackendTest, FlippedByteInAMiddleJournalRecordIsAnError) {
  create();
  backend_->append({done("a1", "db", 1), done("a2", "api", 2), done("a3", "web", 3)});
  flip_byte(dir_ / "journal", 30);
  try {
    second()->load();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("journal"));
    EXPECT_THAT(e.what(), HasSubstr("record 0 at byte offset 0"));
  }
}

TEST_F(LocalBackendTest, MissingJournalIsAnError) {
  create();
  fs::remove(dir_ / "journal");
  EXPECT_THROW(second()->load(), Error);
}

TEST_F(LocalBackendTest, ExclusiveLockBlocksAnotherInstance) {
  create();
  auto held = backend_->lock(LockMode::kExclusive, "apply");
  EXPECT_TRUE(fs::exists(dir_ / "lock.json"));
  EXPECT_EQ(held->info().operation, "apply");
  EXPECT_EQ(held->info().pid, static_cast<int>(::getpid()));
  auto other = second();
  try {
    other->lock(LockMode::kExclusive, "apply");
    FAIL() << "expected LockedError";
  } catch (const LockedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("apply"));
    EXPECT_THAT(e.what(), HasSubstr("pid " + std::to_string(::getpid())));
    EXPECT_THAT(e.what(), HasSubstr(held->info().id));
  }
  EXPECT_THROW(other->lock(LockMode::kShared, "plan"), LockedError);
  held.reset();
  EXPECT_FALSE(fs::exists(dir_ / "lock.json"));
  EXPECT_NO_THROW(other->lock(LockMode::kExclusive, "apply"));
}

TEST_F(LocalBackendTest, SharedLocksCoexistAndBlockExclusive) {
  create();
  auto a = backend_->lock(LockMode::kShared, "plan");
  auto b = second()->lock(LockMode::kShared, "show");
  EXPECT_FALSE(fs::exists(dir_ / "lock.json"));
  EXPECT_THROW(second()->lock(LockMode::kExclusive, "apply"), LockedError);
  a.reset();
  b.reset();
  EXPECT_NO_THROW(second()->lock(LockMode::kExclusive, "apply"));
}

TEST_F(LocalBackendTest, ForceUnlockWithAWrongIdNamesTheActualOne) {
  create();
  auto held = backend_->lock(LockMode::kExclusive, "apply");
  try {
    second()->force_unlock("0000");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(held->info().id));
  }
}

TEST_F(LocalBackendTest, ForceUnlockRefusesALiveHolder) {
  create();
  auto held = backend_->lock(LockMode::kExclusive, "apply");
  try {
    second()->force_unlock(held->info().id);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("live process pid " + std::to_string(::getpid())));
  }
  EXPECT_TRUE(fs::exists(dir_ / "lock.json"));
}

TEST_F(LocalBackendTest, ForceUnlockRemovesALockLeftBehind) {
  create();
  write_file_durable(dir_ / "lock.json",
                     R"({"id":"dead01","holder":"ci","host":"runner-3","pid":99999,)"
                     R"("operation":"apply","since":"2027-01-01T00:00:00Z"})");
  backend_->force_unlock("dead01");
  EXPECT_FALSE(fs::exists(dir_ / "lock.json"));
  EXPECT_THROW(backend_->force_unlock("dead01"), Error);
}

TEST_F(LocalBackendTest, ObjectsLiveUnderTheStateDirectory) {
  create();
  backend_->objects().put("abcdef01", "sealed");
  EXPECT_TRUE(fs::exists(dir_ / "objects" / "ab" / "abcdef01"));
  EXPECT_EQ(second()->objects().get("abcdef01"), "sealed");
}

TEST_F(LocalBackendTest, TheRevisionMovesWithEveryAppendAndCheckpointOnly) {
  create();
  const std::string created = backend_->revision();
  EXPECT_EQ(second()->revision(), created) << "any process sees the same token";
  backend_->load();
  EXPECT_EQ(backend_->revision(), created) << "a read changes nothing";
  backend_->append({intent("a1", "Secret/one")});
  const std::string appended = backend_->revision();
  EXPECT_NE(appended, created);
  LoadResult l = backend_->load();
  backend_->checkpoint(l.state);
  EXPECT_NE(backend_->revision(), appended);
  EXPECT_EQ(backend_->change_feed(), nullptr) << "the local backend is polled";
}

TEST(LockInfoStr, NamesOperationHolderPidAndId) {
  LockInfo i{"lk1", "alice", "ci-7", 4711, "apply", "2027-06-01T00:00:00Z"};
  EXPECT_EQ(i.str(), "apply by alice@ci-7 (pid 4711) since 2027-06-01T00:00:00Z, lock id lk1");
}

TEST_F(LocalBackendTest, ATailFollowsTheJournalUntilACheckpoint) {
  create();
  testing::expect_tail_follows_the_journal([this] { return second(); });
}

TEST_F(LocalBackendTest, ATornLastRecordIsLeftForTheNextTail) {
  create();
  LoadResult loaded = backend_->load();
  auto state = std::make_shared<const State>(loaded.state);
  std::string position = loaded.position;
  const std::string whole = encode_journal_record(done("a1", "one", 1));
  {
    Fd fd(::open((dir_ / "journal").c_str(), O_WRONLY | O_APPEND));
    write_all(fd.get(), whole.substr(0, whole.size() - 3), dir_ / "journal");
  }
  ASSERT_TRUE(catch_up(*backend_, state, position));
  EXPECT_EQ(state->serial, 0u) << "half a record is not a record";
  {
    Fd fd(::open((dir_ / "journal").c_str(), O_WRONLY | O_APPEND));
    write_all(fd.get(), whole.substr(whole.size() - 3), dir_ / "journal");
  }
  ASSERT_TRUE(catch_up(*backend_, state, position));
  EXPECT_EQ(state->serial, 1u);
  EXPECT_NE(state->find("Secret/one"), nullptr);
}

}  // namespace
}  // namespace keyform
