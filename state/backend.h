#pragma once
// Where the state, journal, objects and lock live. The local backend keeps
// them in .keyform/ beside keyform.yaml; others (postgres) implement the same.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "state/journal_record.h"
#include "state/object_store.h"
#include "state/state.h"

namespace keyform {

class StateChangeFeed;  // state/change_feed.h

enum class LockMode { kShared, kExclusive };  // plan/show: shared; apply/state: exclusive

struct LockInfo {
  std::string id;      // random, printed so `state unlock ID` can name it
  std::string holder;  // user name
  std::string host;
  int pid = 0;
  std::string operation;    // "apply", "plan", ...
  std::string since;        // RFC 3339
  std::string str() const;  // "apply by alice@ci-7 (pid 4711) since ..., lock id ..."
};

// A LockInfo for this process taking the lock now: a random id, the user,
// this host, this pid, `operation`, the time.
LockInfo new_lock_info(const std::string& operation);
std::string this_host_name();

// Held until destroyed.
class StateLock {
 public:
  virtual ~StateLock() = default;
  virtual const LockInfo& info() const = 0;
};

struct LoadResult {
  State state;
  // Human-readable warnings (a torn last journal record that was dropped, an
  // interrupted action). Never contain secret material.
  std::vector<std::string> warnings;
  // Intents with no matching done/remove: actions an earlier run started and
  // did not finish.
  std::vector<JournalRecord> unfinished;
  size_t journal_records = 0;  // records replayed on top of the snapshot
  // Where this load left off in the journal, for read_tail(); opaque, ""
  // when the backend keeps no positions.
  std::string position;
};

// What was appended to the journal after a position: the records in order,
// the position after them, and the serial the state reaches with them (0
// when the backend cannot tell).
struct JournalTail {
  std::vector<JournalRecord> records;
  std::string position;
  uint64_t serial = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string describe() const = 0;  // e.g. "local backend in .keyform"
  virtual bool initialized() const = 0;
  // Creates the storage holding `initial`. Throws if it already exists.
  virtual void create(const State& initial) = 0;
  // Takes the lock, or throws LockedError naming the holder (exit code 3).
  virtual std::unique_ptr<StateLock> lock(LockMode mode, const std::string& operation) = 0;
  // Removes a lock left behind; refuses when its holder is still alive.
  virtual void force_unlock(const std::string& lock_id) = 0;
  // Snapshot + journal replay. A torn last journal record is dropped with a
  // warning; any other corruption throws keyform::Error saying where.
  virtual LoadResult load() = 0;
  // The records any process appended since `position` (a LoadResult's or
  // an earlier tail's), so a state loaded there can be brought up to date
  // at the cost of what changed (catch_up in journal_replay.h) rather than
  // of the whole state. nullopt when the backend cannot follow from there:
  // a checkpoint rewrote the snapshot since, the journal was replaced, the
  // position is unknown; then load(). Like load(), under a lock the caller
  // holds, and it leaves the backend ready to append after what it read.
  virtual std::optional<JournalTail> read_tail(const std::string& position) {
    (void)position;
    return std::nullopt;
  }
  // Appends records; all of them are durable when it returns (one fsync:
  // callers batch what completes together).
  virtual void append(const std::vector<JournalRecord>& records) = 0;
  // Rewrites the snapshot from `state` (temp, fsync, rename, fsync dir) and
  // then empties the journal.
  virtual void checkpoint(const State& state) = 0;
  virtual ObjectStore& objects() = 0;
  // Brings storage an older keyform made up to this version's layout (init
  // runs it); says what it did, "" when nothing was needed.
  virtual std::string upgrade() { return {}; }

  // The audit log (state/audit_log.h owns its format and chaining). Lines
  // hold no '\n'. append_audit takes the log's own exclusive lock (not the
  // state lock: secret reads append under a shared one), passes `make` the
  // current last line ("" when the log is empty), appends the lines it
  // returns, and returns once they are durable.
  using AuditLines = std::function<std::vector<std::string>(const std::string& last_line)>;
  virtual void append_audit(const AuditLines& make) = 0;
  // Every complete line of the audit log, oldest first (a last line still
  // being written is left out); empty when there is none.
  virtual std::vector<std::string> read_audit() = 0;

  // A cheap token that differs whenever the state may have changed since it
  // was last taken (any append or checkpoint, by any process): keyform serve
  // compares it before reusing the state it loaded. Needs no lock; may be
  // called from any thread. "" when the backend cannot tell (then callers
  // load every time).
  virtual std::string revision() { return {}; }
  // Notifications of other processes' writes (PostgreSQL LISTEN), on a
  // connection of its own; nullptr when the backend has none (callers poll
  // revision()). Used from one thread, which need not be the backend's.
  virtual std::unique_ptr<StateChangeFeed> change_feed();
};

// Applies one journal record to a state (shared by every backend's replay).
void apply_record(State& state, const JournalRecord& record);

}  // namespace keyform
