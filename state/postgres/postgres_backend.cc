#include "state/postgres/postgres_backend.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <optional>

#include "state/journal.h"
#include "state/journal_replay.h"
#include "state/local/snapshot_file.h"
#include "state/postgres/pg_change_feed.h"
#include "state/postgres/pg_lock.h"
#include "state/postgres/pg_object_store.h"
#include "state/postgres/pg_schema.h"
#include "util/error.h"

namespace keyform {

namespace {

constexpr const char* kSnapshotName = "the postgres snapshot (keyform.state)";

// The head row as this instance last saw or wrote it: the CAS token.
struct Head {
  uint64_t serial = 0;
  uint64_t version = 0;
};

// A text[] literal for ANY($n::text[]).
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += "\"";
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += "\"";
  }
  return out + "}";
}

// keyform.journal rows (seq, type, payload) as records; a row that cannot be
// read is an error naming it.
std::vector<JournalRecord> decode_journal_rows(const PgResult& j) {
  std::vector<JournalRecord> records;
  records.reserve(static_cast<size_t>(j.rows()));
  for (int i = 0; i < j.rows(); ++i) {
    int64_t type = j.integer(i, 1);
    try {
      if (type < 1 || type > 5) throw Error("unknown record type " + std::to_string(type));
      records.push_back(
          decode_record_payload(static_cast<JournalRecord::Type>(type), j.bytea(i, 2)));
    } catch (const Error& e) {
      throw Error("keyform.journal row seq " + j.text(i, 0) + " (record " + std::to_string(i) +
                  "): " + e.what());
    }
  }
  return records;
}

// A read_tail() position: the snapshot's serial and the last journal row seen.
std::string tail_position(int64_t snapshot_serial, int64_t last_seq) {
  return "pg:" + std::to_string(snapshot_serial) + ":" + std::to_string(last_seq);
}

class PostgresBackend : public Backend {
 public:
  PostgresBackend(std::string dsn, std::string source)
      : target_(parse_pg_target(dsn, source)),
        db_(std::move(dsn), std::move(source)),
        objects_(db_) {}

  std::string describe() const override {
    return "postgres backend, " + target_.str() + " (connection string from " + db_.source() + ")";
  }
  bool initialized() const override;
  void create(const State& initial) override;
  std::unique_ptr<StateLock> lock(LockMode mode, const std::string& operation) override {
    require_state();
    if (!lock_conn_ || !lock_conn_->ok())
      lock_conn_ = std::make_unique<PgConnection>(db_.dsn(), db_.source());
    return take_pg_lock(lock_conn_, mode, operation);
  }
  void force_unlock(const std::string& lock_id) override {
    require_state();
    db_.with([&](PgConnection& c) { pg_force_unlock(c, lock_id); });
  }
  LoadResult load() override;
  std::optional<JournalTail> read_tail(const std::string& position) override;
  void append(const std::vector<JournalRecord>& records) override;
  void checkpoint(const State& state) override;
  ObjectStore& objects() override { return objects_; }
  // One line a row, in order. The table lock is the log's own lock (not
  // the state lock: secret reads append under a shared one); plain reads
  // are not blocked by it.
  void append_audit(const AuditLines& make) override {
    require_state();
    db_.with([&](PgConnection& c) {
      PgTransaction tx(c);
      c.exec("LOCK TABLE keyform.audit IN EXCLUSIVE MODE");
      PgResult last = c.exec("SELECT line FROM keyform.audit ORDER BY seq DESC LIMIT 1");
      for (const std::string& line : make(last.rows() ? last.text(0, 0) : ""))
        c.exec("INSERT INTO keyform.audit (line) VALUES ($1)", {PgParam::text(line)});
      tx.commit();
    });
  }
  std::vector<std::string> read_audit() override {
    require_state();
    return db_.with([&](PgConnection& c) {
      PgResult r = c.exec("SELECT line FROM keyform.audit ORDER BY seq");
      std::vector<std::string> out;
      out.reserve(static_cast<size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
      return out;
    });
  }
  // The head row's serial and write version: every append and checkpoint
  // bumps the version. One indexed read, no lock.
  std::string revision() override {
    return db_.with([&](PgConnection& c) {
      PgResult r = c.exec("SELECT serial, version FROM keyform.state WHERE id = 1");
      return r.rows() == 1 ? r.text(0, 0) + ":" + r.text(0, 1) : std::string("none");
    });
  }
  std::unique_ptr<StateChangeFeed> change_feed() override {
    return make_pg_change_feed(db_.dsn(), db_.source());
  }
  std::string upgrade() override {
    return db_.with([&](PgConnection& c) -> std::string {
      int had = pg_schema_version(c);
      if (had == 0 || had >= pg_schema_latest()) return "";
      pg_migrate(c);
      return "Upgraded the keyform schema from version " + std::to_string(had) + " to " +
             std::to_string(pg_schema_latest()) + ".";
    });
  }

 private:
  void require_state() const {
    if (!initialized()) throw Error("no state in " + describe() + ": run `keyform init`");
  }
  // UPDATEs the head row from head_ to `next` (version + 1) inside the
  // caller's transaction; throws when another writer moved it.
  void swap_head(PgConnection& c, uint64_t next_serial, const std::string* snapshot);
  Head read_head(PgConnection& c);
  [[noreturn]] void throw_conflict(PgConnection& c);

  PgTarget target_;
  mutable PgConnectionPool db_;
  PgObjectStore objects_;
  // The connection the next lock() tries on: kept across refused tries (a
  // run waiting with --lock-timeout), handed to the lock when it is taken.
  std::unique_ptr<PgConnection> lock_conn_;
  std::optional<Head> head_;  // from the last load or write
  std::optional<std::string> lineage_;
  // Intents this instance appended with no done/remove/failed yet: a
  // checkpoint keeps their journal rows, as the local backend carries them.
  std::vector<std::string> pending_intents_;
  mutable bool checked_ = false;  // the schema version and the state row exist
};

bool PostgresBackend::initialized() const {
  if (checked_) return true;
  return db_.with([&](PgConnection& c) {
    if (pg_schema_version(c) == 0) return false;
    pg_require_current_schema(c);
    checked_ = c.exec("SELECT 1 FROM keyform.state WHERE id = 1").rows() == 1;
    return checked_;
  });
}

void PostgresBackend::create(const State& initial) {
  db_.with([&](PgConnection& c) {
    pg_migrate(c);
    PgTransaction tx(c);
    PgResult r = c.exec(
        "INSERT INTO keyform.state (id, lineage, serial, snapshot_serial, version, snapshot) "
        "VALUES (1, $1, $2, $2, 1, $3) ON CONFLICT (id) DO NOTHING",
        {PgParam::text(initial.lineage), PgParam::integer(static_cast<int64_t>(initial.serial)),
         PgParam::bytes(encode_snapshot(initial))});
    if (r.affected() != 1)
      throw Error(describe() + " already holds a keyform state; refusing to replace it");
    tx.commit();
  });
  head_ = Head{initial.serial, 1};
  lineage_ = initial.lineage;
  pending_intents_.clear();
  checked_ = true;
}

Head PostgresBackend::read_head(PgConnection& c) {
  PgResult r = c.exec("SELECT serial, version, lineage FROM keyform.state WHERE id = 1");
  if (r.rows() != 1) throw Error("no state in " + describe() + ": run `keyform init`");
  if (!lineage_) lineage_ = r.text(0, 2);
  return Head{static_cast<uint64_t>(r.integer(0, 0)), static_cast<uint64_t>(r.integer(0, 1))};
}

LoadResult PostgresBackend::load() {
  require_state();
  return db_.with([&](PgConnection& c) {
    // One snapshot of the database for the row and the journal.
    PgTransaction tx(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    PgResult h = c.exec(
        "SELECT serial, version, lineage, snapshot, snapshot_serial FROM keyform.state "
        "WHERE id = 1");
    if (h.rows() != 1) throw Error("no state in " + describe() + ": run `keyform init`");
    Head head{static_cast<uint64_t>(h.integer(0, 0)), static_cast<uint64_t>(h.integer(0, 1))};
    State snapshot = decode_snapshot(h.bytea(0, 3), kSnapshotName);
    if (snapshot.lineage != h.text(0, 2))
      throw Error(std::string(kSnapshotName) + " is of lineage " + snapshot.lineage +
                  " but its row says " + h.text(0, 2));
    PgResult j = c.exec("SELECT seq, type, payload FROM keyform.journal ORDER BY seq");
    std::vector<JournalRecord> records = decode_journal_rows(j);
    tx.commit();
    ReplayResult replayed = replay_journal(std::move(snapshot), records, {});
    if (replayed.max_serial != head.serial)
      throw Error("the postgres state is inconsistent: keyform.state says serial " +
                  std::to_string(head.serial) + " but the snapshot and journal reach serial " +
                  std::to_string(replayed.max_serial));
    head_ = head;
    lineage_ = replayed.loaded.state.lineage;
    pending_intents_.clear();
    replayed.loaded.position =
        tail_position(h.integer(0, 4), j.rows() ? j.integer(j.rows() - 1, 0) : 0);
    return std::move(replayed.loaded);
  });
}

// Journal rows are only ever deleted by a checkpoint, which also moves the
// snapshot's serial; so while that stands still, the rows past the last seq
// seen are exactly what was appended since (seq grows with every insert, and
// appends are serialised by the head row's compare-and-swap).
std::optional<JournalTail> PostgresBackend::read_tail(const std::string& position) {
  int64_t snapshot_serial = 0, last_seq = 0;
  if (std::sscanf(position.c_str(), "pg:%" SCNd64 ":%" SCNd64, &snapshot_serial, &last_seq) != 2)
    return std::nullopt;
  require_state();
  return db_.with([&](PgConnection& c) -> std::optional<JournalTail> {
    PgTransaction tx(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    PgResult h = c.exec("SELECT serial, version, snapshot_serial FROM keyform.state WHERE id = 1");
    if (h.rows() != 1 || h.integer(0, 2) != snapshot_serial) return std::nullopt;
    PgResult j =
        c.exec("SELECT seq, type, payload FROM keyform.journal WHERE seq > $1 ORDER BY seq",
               {PgParam::integer(last_seq)});
    JournalTail tail;
    tail.records = decode_journal_rows(j);
    tx.commit();
    tail.serial = static_cast<uint64_t>(h.integer(0, 0));
    tail.position =
        tail_position(snapshot_serial, j.rows() ? j.integer(j.rows() - 1, 0) : last_seq);
    head_ = Head{tail.serial, static_cast<uint64_t>(h.integer(0, 1))};
    return tail;
  });
}

void PostgresBackend::swap_head(PgConnection& c, uint64_t next_serial,
                                const std::string* snapshot) {
  if (!head_) head_ = read_head(c);
  std::vector<PgParam> params = {PgParam::integer(static_cast<int64_t>(next_serial)),
                                 PgParam::integer(static_cast<int64_t>(head_->serial)),
                                 PgParam::integer(static_cast<int64_t>(head_->version)),
                                 PgParam::text(lineage_.value_or(""))};
  std::string sql =
      "UPDATE keyform.state SET serial = $1, version = version + 1, updated_at = now()";
  if (snapshot) {
    sql += ", snapshot_serial = $1, snapshot = $5";
    params.push_back(PgParam::bytes(*snapshot));
  }
  sql += " WHERE id = 1 AND serial = $2 AND version = $3 AND lineage = $4";
  PgResult r = c.exec(sql, params);
  if (r.affected() != 1) throw_conflict(c);
}

void PostgresBackend::throw_conflict(PgConnection& c) {
  Head now = read_head(c);
  throw Error("the state changed underneath this run: it expected serial " +
              std::to_string(head_->serial) + " (write " + std::to_string(head_->version) +
              ") but the database holds serial " + std::to_string(now.serial) + " (write " +
              std::to_string(now.version) +
              "); another writer got there first and nothing of this write was kept. Is every "
              "runner taking the lock? (a transaction-mode pooler breaks it: docs/postgres.md)");
}

// One statement, so one round trip and one transaction: the compare-and-swap
// on the head row, then the journal and history rows, inserted only when the
// swap matched (they select FROM head). No row back means another writer
// moved the head and nothing was written. NOTIFY keyform_state with the new
// serial tells the LISTENing serve processes (pg_change_feed.h) on commit.
constexpr const char* kAppendSql = R"sql(
WITH head AS (
  UPDATE keyform.state SET serial = $1, version = version + 1, updated_at = now()
   WHERE id = 1 AND serial = $2 AND version = $3 AND lineage = $4
  RETURNING version),
rec AS (
  SELECT * FROM unnest($5::smallint[], $6::bigint[], $7::text[], $8::text[], $9::text[],
                       $10::boolean[])
    WITH ORDINALITY AS r(type, serial, action_id, address, payload, advances, n)),
j AS (
  INSERT INTO keyform.journal (type, serial, action_id, address, payload)
  SELECT type, serial, action_id, address, convert_to(payload, 'UTF8') FROM rec, head ORDER BY n),
n AS (
  SELECT pg_notify('keyform_state', $1::bigint::text) FROM head),
h AS (
  INSERT INTO keyform.history (serial, type, address, action_id)
  SELECT serial, CASE type WHEN 2 THEN 'done' WHEN 3 THEN 'remove' ELSE 'meta' END, address,
         action_id
    FROM rec, head WHERE advances)
SELECT version FROM head, n)sql";

void PostgresBackend::append(const std::vector<JournalRecord>& records) {
  if (records.empty()) return;
  db_.with([&](PgConnection& c) {
    if (!head_) head_ = read_head(c);
    // Serials advance one at a time: no gaps, no repeats.
    uint64_t serial = head_->serial;
    std::vector<std::string> types, serials, action_ids, addresses, payloads, advances;
    for (const JournalRecord& r : records) {
      bool adv = r.type == JournalRecord::Type::kDone || r.type == JournalRecord::Type::kRemove ||
                 (r.type == JournalRecord::Type::kMeta && r.serial != serial);
      if (adv && r.serial != serial + 1)
        throw Error("refusing to journal serial " + std::to_string(r.serial) + " for " + r.address +
                    " after serial " + std::to_string(serial) + ": serials advance by one");
      if (adv) ++serial;
      types.push_back(std::to_string(static_cast<int>(r.type)));
      serials.push_back(std::to_string(r.serial));
      action_ids.push_back(r.action_id);
      addresses.push_back(r.address);
      payloads.push_back(encode_record_payload(r));
      advances.push_back(adv ? "t" : "f");
    }
    PgResult r = c.exec(kAppendSql,
                        {PgParam::integer(static_cast<int64_t>(serial)),
                         PgParam::integer(static_cast<int64_t>(head_->serial)),
                         PgParam::integer(static_cast<int64_t>(head_->version)),
                         PgParam::text(lineage_.value_or("")), PgParam::text(text_array(types)),
                         PgParam::text(text_array(serials)), PgParam::text(text_array(action_ids)),
                         PgParam::text(text_array(addresses)), PgParam::text(text_array(payloads)),
                         PgParam::text(text_array(advances))});
    if (r.rows() != 1) throw_conflict(c);
    head_ = Head{serial, static_cast<uint64_t>(r.integer(0, 0))};
  });
  for (const JournalRecord& r : records) {
    if (r.type == JournalRecord::Type::kIntent) {
      pending_intents_.push_back(r.action_id);
    } else if (r.type != JournalRecord::Type::kMeta) {
      std::erase(pending_intents_, r.action_id);
    }
  }
}

void PostgresBackend::checkpoint(const State& state) {
  db_.with([&](PgConnection& c) {
    PgTransaction tx(c);
    if (!head_) head_ = read_head(c);
    if (state.serial < head_->serial)
      throw Error("refusing to checkpoint serial " + std::to_string(state.serial) +
                  ": the journal already holds serial " + std::to_string(head_->serial) +
                  ", which the snapshot would lose");
    if (lineage_ && state.lineage != *lineage_)
      throw Error("refusing to checkpoint a state of lineage " + state.lineage + " over lineage " +
                  *lineage_);
    std::string snapshot = encode_snapshot(state);
    swap_head(c, state.serial, &snapshot);
    // The CAS above proves no one else wrote since this instance last did,
    // so every journal row is one it knows; intents still in flight stay.
    c.exec("DELETE FROM keyform.journal WHERE NOT (type = 1 AND action_id = ANY($1::text[]))",
           {PgParam::text(text_array(pending_intents_))});
    c.exec("SELECT pg_notify('keyform_state', $1)", {PgParam::text(std::to_string(state.serial))});
    tx.commit();
    head_ = Head{state.serial, head_->version + 1};
    lineage_ = state.lineage;
  });
}

}  // namespace

std::unique_ptr<Backend> make_postgres_backend(const std::string& dsn, const std::string& source) {
  return std::make_unique<PostgresBackend>(dsn, source);
}

}  // namespace keyform
