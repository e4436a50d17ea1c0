#pragma once
// The postgres backend: the state in PostgreSQL tables (schema "keyform",
// pg_schema.h), so several CI runners can share one state.
//
//   keyform.state       one row: lineage, the snapshot (snapshot_file.h
//                       format, checksummed), its serial, the head serial
//                       (snapshot plus journal) and a write version
//   keyform.journal     records since the snapshot, in seq order
//   keyform.history     one row per serial ever written (never emptied)
//   keyform.objects     sealed objects (pg_object_store.h)
//   keyform.lock_holders who holds the advisory lock (pg_lock.h)
//
// Compare-and-swap: every append and checkpoint is one transaction that
// starts with UPDATE keyform.state ... WHERE serial = <expected> AND version =
// <expected>; the row lock makes a second writer from the same point wait,
// then match nothing, and fail with nothing written. The expected values are
// what this instance last loaded or wrote. Records that advance the serial
// must do so by exactly one, and history's primary key on serial refuses a
// serial written twice, so the serial history has no gaps and no repeats.
//
// One thread calls the Backend; objects() may be used from any thread (each
// call leases a connection of its own from a PgConnectionPool). The lock has
// its own connection, held for the run.
#include <memory>
#include <string>

#include "state/backend.h"

namespace keyform {

// `dsn` is a libpq connection string; `source` says where it came from
// ("$KEYFORM_PG_DSN") for messages, which never include the string itself.
std::unique_ptr<Backend> make_postgres_backend(const std::string& dsn, const std::string& source);

}  // namespace keyform
