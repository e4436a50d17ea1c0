// The postgres backend against a real server: initdb + pg_ctl on a free
// loopback port (tests/e2e/postgres_lib.sh), one database per test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "state/change_feed.h"
#include "state/postgres/pg_connection.h"
#include "state/postgres/pg_lock.h"
#include "state/postgres/pg_schema.h"
#include "state/postgres/postgres_backend.h"
#include "tests/unit/backend_tail_checks.h"
#include "tests/unit/state_records.h"
#include "tests/unit/test_support.h"
#include "util/error.h"

namespace keyform {
namespace {

using testing::done;
using ::testing::HasSubstr;
using testing::initial_state;
using testing::intent;
using ::testing::Not;

const std::string kScript = std::string(KEYFORM_SOURCE_DIR) + "/tests/e2e/postgres_lib.sh";

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  if (::pclose(p) != 0) return "";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// One server for the whole binary, started on first use.
class PgServer {
 public:
  static PgServer& get() {
    static PgServer s;
    return s;
  }
  // Server binaries exist (else the tests skip); when they do, a server
  // that would not start fails the tests.
  bool binaries() const { return binaries_; }
  bool available() const { return !admin_dsn_.empty(); }
  // A fresh, empty database; returns its connection string.
  std::string fresh_database() {
    std::string name = "t" + std::to_string(++count_);
    PgConnection admin(admin_dsn_, "test");
    admin.exec("CREATE DATABASE " + name);
    return admin_dsn_.substr(0, admin_dsn_.rfind('/') + 1) + name;
  }
  const std::string& admin_dsn() const { return admin_dsn_; }
  ~PgServer() {
    if (available())
      std::system(("bash -c 'source " + kScript + " && PG_DIR=" + (dir_.path() / "pg").string() +
                   " && pg_stop'")
                      .c_str());
  }

 private:
  PgServer() {
    binaries_ =
        std::system(("bash -c 'source " + kScript + " && [ -x \"$PG_BIN/initdb\" ]'").c_str()) == 0;
    if (!binaries_) return;
    admin_dsn_ = run_capture("bash -c 'source " + kScript + " && pg_start " +
                             (dir_.path() / "pg").string() + " >&2 && echo $PG_ADMIN_DSN'");
  }
  testing::TempDir dir_;
  bool binaries_ = false;
  std::string admin_dsn_;
  int count_ = 0;
};

class PostgresBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PgServer::get().binaries()) GTEST_SKIP() << "no PostgreSQL server binaries";
    ASSERT_TRUE(PgServer::get().available()) << "the PostgreSQL server did not start";
    dsn_ = PgServer::get().fresh_database();
  }
  std::unique_ptr<Backend> backend() { return make_postgres_backend(dsn_, "$TEST_DSN"); }
  std::unique_ptr<Backend> created() {
    auto b = backend();
    b->create(initial_state());
    return b;
  }
  int64_t count(const std::string& sql) {
    PgConnection c(dsn_, "test");
    return c.exec(sql).integer(0, 0);
  }
  std::string dsn_;
};

TEST_F(PostgresBackendTest, CreateAppendLoadCheckpoint) {
  auto b = backend();
  EXPECT_FALSE(b->initialized());
  b->create(initial_state());
  EXPECT_TRUE(b->initialized());
  EXPECT_THROW(backend()->create(initial_state()), Error);
  b->load();
  b->append({intent("a1", "Secret/one"), done("a1", "one", 1)});
  b->append({intent("a2", "Secret/two"), done("a2", "two", 2)});
  LoadResult l = backend()->load();
  EXPECT_EQ(l.state.serial, 2u);
  EXPECT_EQ(l.state.resources.size(), 2u);
  EXPECT_EQ(l.journal_records, 4u);
  EXPECT_TRUE(l.unfinished.empty());
  b->checkpoint(l.state);
  EXPECT_EQ(count("SELECT count(*) FROM keyform.journal"), 0);
  LoadResult again = backend()->load();
  EXPECT_EQ(again.state.serial, 2u);
  EXPECT_EQ(again.journal_records, 0u);
  EXPECT_EQ(again.state.resources.at("Secret/two").spec_digest, "digest-2");
  EXPECT_EQ(count("SELECT count(*) FROM keyform.history"), 2);
}

TEST_F(PostgresBackendTest, EveryCommitMovesTheRevisionAndNotifiesListeners) {
  auto b = created();
  b->load();
  std::unique_ptr<StateChangeFeed> feed = backend()->change_feed();
  ASSERT_NE(feed, nullptr);
  EXPECT_TRUE(feed->wait(std::chrono::seconds(5))) << "the first wait connects: catch up";
  EXPECT_FALSE(feed->wait(std::chrono::milliseconds(200))) << "nothing was written";
  const std::string before = backend()->revision();
  b->append({intent("a1", "Secret/one"), done("a1", "one", 1)});
  EXPECT_TRUE(feed->wait(std::chrono::seconds(5))) << "an append notifies";
  const std::string appended = backend()->revision();
  EXPECT_NE(appended, before);
  EXPECT_FALSE(feed->wait(std::chrono::milliseconds(200)));
  // A writer that lost the compare-and-swap notifies nothing.
  auto stale = backend();
  stale->load();
  b->append({done("a2", "two", 2)});
  EXPECT_TRUE(feed->wait(std::chrono::seconds(5)));
  EXPECT_THROW(stale->append({done("b1", "other", 2)}), Error);
  EXPECT_FALSE(feed->wait(std::chrono::milliseconds(200))) << "a failed write notified";
  const std::string written = backend()->revision();
  b->checkpoint(b->load().state);
  EXPECT_TRUE(feed->wait(std::chrono::seconds(5))) << "a checkpoint notifies";
  EXPECT_NE(backend()->revision(), written);
}

TEST_F(PostgresBackendTest, ATailFollowsTheJournalUntilACheckpoint) {
  created();
  testing::expect_tail_follows_the_journal([this] { return backend(); });
}

TEST_F(PostgresBackendTest, UnfinishedIntentSurvivesCheckpoint) {
  auto b = created();
  LoadResult l = b->load();
  b->append({intent("a1", "Secret/one"), intent("a2", "Secret/two")});
  b->append({done("a1", "one", 1)});
  l.state = backend()->load().state;
  b->checkpoint(l.state);
  LoadResult after = backend()->load();
  ASSERT_EQ(after.unfinished.size(), 1u);
  EXPECT_EQ(after.unfinished[0].action_id, "a2");
  EXPECT_THAT(after.warnings[0], HasSubstr("did not finish"));
}

TEST_F(PostgresBackendTest, TwoWritersFromTheSameSerialCannotBothSucceed) {
  auto first = created();
  auto second = backend();
  first->load();
  second->load();
  first->append({done("a1", "one", 1)});
  try {
    second->append({done("b1", "other", 1)});
    FAIL() << "the second writer succeeded from the same serial";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("changed underneath"));
  }
  // Intents carry no serial, but the write version guards them too.
  auto third = backend();
  third->load();
  first->append({intent("a2", "Secret/two")});
  EXPECT_THROW(third->append({intent("c1", "Secret/three")}), Error);
  // And checkpoints.
  LoadResult l = backend()->load();
  auto fourth = backend();
  fourth->load();
  first->checkpoint(l.state);
  EXPECT_THROW(fourth->checkpoint(l.state), Error);
  LoadResult final_state = backend()->load();
  EXPECT_EQ(final_state.state.serial, 1u);
  EXPECT_TRUE(final_state.state.find("Secret/one"));
  EXPECT_FALSE(final_state.state.find("Secret/other"));
}

TEST_F(PostgresBackendTest, RacingConnectionsLeaveAGapFreeHistory) {
  created();
  constexpr int kWriters = 4;
  constexpr int kRounds = 25;
  std::atomic<int> won{0};
  std::atomic<int> lost{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w)
    threads.emplace_back([&, w] {
      auto b = backend();
      for (int i = 0; i < kRounds; ++i) {
        LoadResult l = b->load();
        std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        try {
          b->append({done(id, id, l.state.serial + 1)});
          ++won;
        } catch (const Error&) {
          ++lost;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(won + lost, kWriters * kRounds);
  LoadResult l = backend()->load();
  EXPECT_EQ(static_cast<int>(l.state.serial), won.load());
  EXPECT_EQ(static_cast<int>(l.state.resources.size()), won.load());
  EXPECT_EQ(count("SELECT count(*) FROM keyform.history"), won.load());
  EXPECT_EQ(count("SELECT max(serial) - min(serial) + 1 FROM keyform.history"), won.load());
}

TEST_F(PostgresBackendTest, SerialsAdvanceByOne) {
  auto b = created();
  b->load();
  EXPECT_THROW(b->append({done("a1", "one", 2)}), Error);
  EXPECT_THROW(b->append({done("a1", "one", 1), done("a2", "two", 1)}), Error);
  b->append({done("a1", "one", 1)});
  EXPECT_EQ(backend()->load().state.serial, 1u);
}

TEST_F(PostgresBackendTest, ExclusiveLockNamesItsHolderAndEndsWithTheSession) {
  auto b = created();
  {
    auto held = b->lock(LockMode::kExclusive, "apply");
    try {
      backend()->lock(LockMode::kShared, "plan");
      FAIL() << "a shared lock was granted beside an exclusive one";
    } catch (const LockedError& e) {
      EXPECT_THAT(e.what(), HasSubstr("apply by"));
      EXPECT_THAT(e.what(), HasSubstr(held->info().id));
    }
    EXPECT_THROW(backend()->lock(LockMode::kExclusive, "apply"), LockedError);
    // Live: unlock refuses.
    EXPECT_THROW(backend()->force_unlock(held->info().id), Error);
  }
  auto shared1 = b->lock(LockMode::kShared, "plan");
  auto shared2 = backend()->lock(LockMode::kShared, "show");
  EXPECT_THROW(backend()->lock(LockMode::kExclusive, "apply"), LockedError);
}

TEST_F(PostgresBackendTest, ATerminatedSessionReleasesTheLockAndLeavesAStaleRow) {
  auto b = created();
  auto held = b->lock(LockMode::kExclusive, "apply");
  std::string id = held->info().id;
  {
    PgConnection admin(dsn_, "test");
    admin.exec(
        "SELECT pg_terminate_backend(session_pid) FROM keyform.lock_holders WHERE lock_id = $1",
        {PgParam::text(id)});
  }
  // The row is still there but stale: unlock clears it; a new lock succeeds.
  backend()->force_unlock(id);
  EXPECT_THROW(backend()->force_unlock(id), Error);
  auto again = backend()->lock(LockMode::kExclusive, "apply");
  EXPECT_EQ(count("SELECT count(*) FROM keyform.lock_holders"), 1);
}

TEST_F(PostgresBackendTest, MigrationsAreIdempotent) {
  PgConnection c(dsn_, "test");
  EXPECT_EQ(pg_schema_version(c), 0);
  EXPECT_EQ(pg_migrate(c), pg_schema_latest());
  EXPECT_EQ(pg_migrate(c), 0);
  EXPECT_EQ(pg_schema_version(c), pg_schema_latest());
  EXPECT_EQ(backend()->upgrade(), "");
  c.exec("INSERT INTO keyform.schema_migrations (version, description) VALUES (999, 'future')");
  EXPECT_THROW(pg_require_current_schema(c), Error);
}

TEST_F(PostgresBackendTest, ObjectsAreNeverReplacedAndAreChecked) {
  auto b = created();
  ObjectStore& o = b->objects();
  std::string bytes("\x00\x01sealed\xff", 9);
  o.put("ab12", bytes);
  o.put("ab12", bytes);  // a retry
  EXPECT_THROW(o.put("ab12", "other"), Error);
  EXPECT_EQ(o.get("ab12"), bytes);
  EXPECT_TRUE(o.exists("ab12"));
  EXPECT_EQ(o.list(), std::vector<std::string>{"ab12"});
  {
    PgConnection c(dsn_, "test");
    c.exec("UPDATE keyform.objects SET bytes = 'x' WHERE id = 'ab12'");
  }
  EXPECT_THROW(o.get("ab12"), Error);
  o.remove("ab12");
  o.remove("ab12");
  EXPECT_FALSE(o.exists("ab12"));
  EXPECT_THROW(o.get("ab12"), Error);
}

TEST_F(PostgresBackendTest, DamagedSnapshotIsAnErrorSayingWhere) {
  auto b = created();
  {
    PgConnection c(dsn_, "test");
    c.exec("UPDATE keyform.state SET snapshot = overlay(snapshot placing 'X' from 90)");
  }
  try {
    backend()->load();
    FAIL() << "loaded a damaged snapshot";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("keyform.state"));
  }
}

TEST_F(PostgresBackendTest, ErrorsNeverShowTheConnectionStringOrPassword) {
  std::string bad = dsn_;
  size_t colon = bad.find(':', bad.find("//"));
  size_t at = bad.find('@');
  std::string password = bad.substr(colon + 1, at - colon - 1);
  ASSERT_GT(password.size(), 4u);
  std::string wrong = bad.substr(0, colon + 1) + "Wrong" + password + bad.substr(at);
  try {
    make_postgres_backend(wrong, "$TEST_DSN")->initialized();
    FAIL() << "connected with a wrong password";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr(password)));
    EXPECT_THAT(e.what(), HasSubstr("$TEST_DSN"));
  }
  try {
    make_postgres_backend("host=x password=" + password + " nonsense", "$TEST_DSN");
    FAIL() << "accepted a malformed connection string";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr(password)));
  }
  EXPECT_THAT(make_postgres_backend(dsn_, "$TEST_DSN")->describe(), Not(HasSubstr(password)));
}

}  // namespace
}  // namespace keyform
