#include "state/postgres/pg_lock.h"

#include "state/postgres/pg_schema.h"
#include "util/error.h"

namespace keyform {

namespace {

// Sessions holding the state's advisory lock in this database.
constexpr const char* kLiveSessions =
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 27494 "
    "AND objid = 1 AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname "
    "= current_database())";
static_assert(kPgLockClass == 27494 && kPgStateLockKey == 1, "kLiveSessions names the keys");

std::vector<PgParam> lock_key() {
  return {PgParam::integer(kPgLockClass), PgParam::integer(kPgStateLockKey)};
}

class PgStateLock : public StateLock {
 public:
  PgStateLock(std::unique_ptr<PgConnection> conn, LockInfo info, LockMode mode)
      : conn_(std::move(conn)), info_(std::move(info)), mode_(mode) {}
  ~PgStateLock() override {
    // Closing the connection would release the lock too; this is tidier and
    // leaves no stale row.
    try {
      conn_->exec("DELETE FROM keyform.lock_holders WHERE lock_id = $1", {PgParam::text(info_.id)});
      conn_->exec(mode_ == LockMode::kExclusive ? "SELECT pg_advisory_unlock($1, $2)"
                                                : "SELECT pg_advisory_unlock_shared($1, $2)",
                  lock_key());
    } catch (const Error&) {
      // The session is gone, and with it the lock.
    }
  }
  const LockInfo& info() const override { return info_; }

 private:
  std::unique_ptr<PgConnection> conn_;
  LockInfo info_;
  LockMode mode_;
};

}  // namespace

std::vector<PgLockHolder> pg_lock_holders(PgConnection& c) {
  PgResult r = c.exec(
      std::string("SELECT lock_id, holder, host, pid, operation, "
                  "to_char(since AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), mode, "
                  "session_pid, session_pid IN (") +
      kLiveSessions +
      ") AS live FROM keyform.lock_holders ORDER BY live DESC, mode = 'exclusive' DESC, since");
  std::vector<PgLockHolder> out;
  for (int i = 0; i < r.rows(); ++i) {
    PgLockHolder h;
    h.info.id = r.text(i, 0);
    h.info.holder = r.text(i, 1);
    h.info.host = r.text(i, 2);
    h.info.pid = static_cast<int>(r.integer(i, 3));
    h.info.operation = r.text(i, 4);
    h.info.since = r.text(i, 5);
    h.mode = r.text(i, 6);
    h.session_pid = static_cast<int>(r.integer(i, 7));
    h.live = r.text(i, 8) == "t";
    out.push_back(std::move(h));
  }
  return out;
}

std::unique_ptr<StateLock> take_pg_lock(std::unique_ptr<PgConnection>& conn, LockMode mode,
                                        const std::string& operation) {
  const bool exclusive = mode == LockMode::kExclusive;
  PgResult got = conn->exec(exclusive ? "SELECT pg_try_advisory_lock($1, $2)"
                                      : "SELECT pg_try_advisory_lock_shared($1, $2)",
                            lock_key());
  if (got.text(0, 0) != "t") {
    for (const PgLockHolder& h : pg_lock_holders(*conn)) {
      if (!h.live) continue;
      throw LockedError("the state is locked (" + h.mode + "): " + h.info.str() +
                        " (postgres session " + std::to_string(h.session_pid) +
                        "); wait for it with --lock-timeout, or stop that run: its lock ends with "
                        "its database session, and `keyform state unlock " +
                        h.info.id + "` then clears the record it leaves");
    }
    throw LockedError(
        "the state is locked by another keyform session that has not recorded who it is yet; "
        "try again, or wait with --lock-timeout");
  }
  LockInfo info = new_lock_info(operation);
  PgTransaction tx(*conn);
  // Rows of sessions that no longer hold the lock (a killed run) go now.
  conn->exec(std::string("DELETE FROM keyform.lock_holders WHERE session_pid NOT IN (") +
             kLiveSessions + ")");
  conn->exec(
      "INSERT INTO keyform.lock_holders (lock_id, session_pid, mode, holder, host, pid, "
      "operation, since) VALUES ($1, pg_backend_pid(), $2, $3, $4, $5, $6, $7::timestamptz)",
      {PgParam::text(info.id), PgParam::text(exclusive ? "exclusive" : "shared"),
       PgParam::text(info.holder), PgParam::text(info.host), PgParam::integer(info.pid),
       PgParam::text(info.operation), PgParam::text(info.since)});
  tx.commit();
  return std::make_unique<PgStateLock>(std::move(conn), std::move(info), mode);
}

void pg_force_unlock(PgConnection& c, const std::string& lock_id) {
  for (const PgLockHolder& h : pg_lock_holders(c)) {
    if (h.info.id != lock_id) continue;
    if (h.live)
      throw Error("lock " + lock_id + " is held by a live database session (postgres pid " +
                  std::to_string(h.session_pid) + ", " + h.info.str() +
                  "); it is released when that run ends. To end it now, stop the run or have "
                  "an administrator run SELECT pg_terminate_backend(" +
                  std::to_string(h.session_pid) + ")");
    c.exec("DELETE FROM keyform.lock_holders WHERE lock_id = $1", {PgParam::text(lock_id)});
    return;
  }
  throw Error("the postgres state has no lock " + lock_id + "; nothing to unlock");
}

}  // namespace keyform
