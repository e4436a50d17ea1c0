#pragma once
// The tables of the postgres backend, in a schema of their own ("keyform"),
// created and upgraded by numbered migrations (docs/state-format.md lists
// them). keyform.schema_migrations records which ran. Migrations are
// idempotent: each runs once, in a transaction that holds an advisory lock,
// so two `keyform init` at once apply it once; re-running init applies none.
//
// A later version appends a migration (never edits one that shipped): the
// audit log, for one, arrives as migration 2 with its own table.
#include "state/postgres/pg_connection.h"

namespace keyform {

inline constexpr const char* kPgSchema = "keyform";

// The advisory lock keys (two int4 keys: class, object), per database.
inline constexpr int kPgLockClass = 0x6b66;  // "kf"
inline constexpr int kPgStateLockKey = 1;    // the state lock (session level)
inline constexpr int kPgMigrationLockKey = 2;

// The newest schema version this build knows.
int pg_schema_latest();
// The version the database holds: 0 when the schema or its tables are absent.
int pg_schema_version(PgConnection& c);
// Applies the migrations the database lacks; returns how many ran.
int pg_migrate(PgConnection& c);
// Throws keyform::Error unless the database's schema is exactly the latest
// ("run keyform init" when older, "a newer keyform" when newer).
void pg_require_current_schema(PgConnection& c);

}  // namespace keyform
