#pragma once
// The postgres backend's state lock: a session-level advisory lock (key
// kPgLockClass, kPgStateLockKey) taken on a connection of its own that stays
// open for the whole run. Shared for plan/show, exclusive for apply and state
// surgery. Who holds it is written to keyform.lock_holders, keyed by the
// holding session's server pid, so a refused run can name the holder; a row
// whose session no longer holds the advisory lock (pg_locks) is stale.
//
// When a runner dies, its connection closes, its session ends and the server
// releases the lock: nothing to clean up by hand. (Through a pooler in
// transaction mode the lock would stay with a pooled server connection:
// docs/postgres.md.)
#include <memory>
#include <string>
#include <vector>

#include "state/backend.h"
#include "state/postgres/pg_connection.h"

namespace keyform {

// Takes the lock on `conn`, which the returned lock then owns; or throws
// LockedError naming the holder (exit code 3) and leaves `conn` to the
// caller, so a caller that waits retries on the same connection.
std::unique_ptr<StateLock> take_pg_lock(std::unique_ptr<PgConnection>& conn, LockMode mode,
                                        const std::string& operation);

struct PgLockHolder {
  LockInfo info;
  std::string mode;  // "shared" or "exclusive"
  int session_pid = 0;
  bool live = false;  // its session still holds the advisory lock
};

// Every recorded holder, live ones first (exclusive before shared).
std::vector<PgLockHolder> pg_lock_holders(PgConnection& c);

// `keyform state unlock ID`: refuses while the holder's session holds the
// lock (it ends when that run or its session does); otherwise removes the
// stale holder row.
void pg_force_unlock(PgConnection& c, const std::string& lock_id);

}  // namespace keyform
