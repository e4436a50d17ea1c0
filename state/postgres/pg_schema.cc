#include "state/postgres/pg_schema.h"

#include <string>
#include <vector>

#include "util/error.h"

namespace keyform {

namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Shipped migrations are never edited: add a new one instead.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "state, journal, history, objects, lock holders", R"sql(
CREATE TABLE IF NOT EXISTS keyform.state (
  id smallint PRIMARY KEY CHECK (id = 1),
  lineage text NOT NULL,
  serial bigint NOT NULL,
  snapshot_serial bigint NOT NULL,
  version bigint NOT NULL,
  snapshot bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS keyform.journal (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type smallint NOT NULL,
  serial bigint NOT NULL,
  action_id text NOT NULL,
  address text NOT NULL,
  payload bytea NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS keyform.history (
  serial bigint PRIMARY KEY,
  type text NOT NULL,
  address text NOT NULL,
  action_id text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS keyform.objects (
  id text PRIMARY KEY,
  bytes bytea NOT NULL,
  sha256 text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS keyform.lock_holders (
  lock_id text PRIMARY KEY,
  session_pid integer NOT NULL,
  mode text NOT NULL,
  holder text NOT NULL,
  host text NOT NULL,
  pid integer NOT NULL,
  operation text NOT NULL,
  since timestamptz NOT NULL
);
)sql"},
      {2, "audit log", R"sql(
CREATE TABLE IF NOT EXISTS keyform.audit (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  line text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
)sql"},
  };
  return all;
}

}  // namespace

int pg_schema_latest() { return migrations().back().version; }

int pg_schema_version(PgConnection& c) {
  PgResult exists = c.exec("SELECT to_regclass('keyform.schema_migrations') IS NOT NULL");
  if (exists.text(0, 0) != "t") return 0;
  PgResult v = c.exec("SELECT coalesce(max(version), 0) FROM keyform.schema_migrations");
  return static_cast<int>(v.integer(0, 0));
}

int pg_migrate(PgConnection& c) {
  PgTransaction tx(c);
  // Serialises concurrent inits; released at commit.
  c.exec("SELECT pg_advisory_xact_lock($1, $2)",
         {PgParam::integer(kPgLockClass), PgParam::integer(kPgMigrationLockKey)});
  c.exec("CREATE SCHEMA IF NOT EXISTS keyform");
  c.exec(
      "CREATE TABLE IF NOT EXISTS keyform.schema_migrations (version integer PRIMARY KEY, "
      "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
  int have = pg_schema_version(c);
  if (have > pg_schema_latest())
    throw Error("the keyform schema in the database is at version " + std::to_string(have) +
                ", newer than this keyform knows (" + std::to_string(pg_schema_latest()) +
                "): upgrade keyform");
  int ran = 0;
  for (const Migration& m : migrations()) {
    if (m.version <= have) continue;
    c.exec_script(m.sql);
    c.exec("INSERT INTO keyform.schema_migrations (version, description) VALUES ($1, $2)",
           {PgParam::integer(m.version), PgParam::text(m.description)});
    ++ran;
  }
  tx.commit();
  return ran;
}

void pg_require_current_schema(PgConnection& c) {
  int have = pg_schema_version(c);
  if (have == pg_schema_latest()) return;
  if (have > pg_schema_latest())
    throw Error("the keyform schema in the database is at version " + std::to_string(have) +
                ", newer than this keyform knows (" + std::to_string(pg_schema_latest()) +
                "): upgrade keyform");
  throw Error("the keyform schema in the database is at version " + std::to_string(have) +
              " (this keyform needs " + std::to_string(pg_schema_latest()) +
              "): run `keyform init` to upgrade it");
}

}  // namespace keyform
