#include "state/postgres/pg_connection.h"

#include <cstdlib>

#include "util/error.h"

namespace keyform {

namespace {

void replace_all(std::string& s, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
    s.replace(at, what.size(), with);
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string PgTarget::str() const {
  std::string s = "database " + (dbname.empty() ? std::string("(default)") : dbname);
  s += " on " + (host.empty() ? std::string("the local socket") : host);
  if (!port.empty()) s += ":" + port;
  if (!user.empty()) s += " as " + user;
  return s;
}

PgTarget parse_pg_target(const std::string& dsn, const std::string& source) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &err);
  // libpq's message may quote the string (and so a password): never shown.
  if (err) PQfreemem(err);
  if (!opts)
    throw Error(source +
                " is not a PostgreSQL connection string (expected key=value pairs or a "
                "postgresql:// URI)");
  PgTarget t;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    std::string k = o->keyword;
    if (k == "host" || (k == "hostaddr" && t.host.empty())) t.host = o->val;
    if (k == "port") t.port = o->val;
    if (k == "dbname") t.dbname = o->val;
    if (k == "user") t.user = o->val;
    if (k == "password") t.password = o->val;
  }
  PQconninfoFree(opts);
  return t;
}

int PgResult::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return n && *n ? std::atoi(n) : 0;
}

std::string PgResult::text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col),
                     static_cast<size_t>(PQgetlength(r_.get(), row, col)));
}

int64_t PgResult::integer(int row, int col) const {
  return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
}

std::string PgResult::bytea(int row, int col) const {
  size_t n = 0;
  unsigned char* raw =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &n);
  if (!raw) throw Error("postgres: out of memory decoding a bytea column");
  std::string out(reinterpret_cast<const char*>(raw), n);
  PQfreemem(raw);
  return out;
}

PgConnection::PgConnection(const std::string& dsn, const std::string& source)
    : target_(parse_pg_target(dsn, source)), dsn_(dsn), source_(source) {
  // Later keywords win, so what the connection string says overrides these
  // defaults.
  const char* keys[] = {"application_name", "connect_timeout", "dbname", nullptr};
  const char* values[] = {"keyform", "10", dsn.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn_) throw Error("postgres: out of memory connecting to " + target_.str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = redact(trimmed(PQerrorMessage(conn_)));
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error("cannot connect to PostgreSQL (" + target_.str() + ", from " + source_ +
                "): " + msg);
  }
  // Quiet NOTICEs ("relation already exists, skipping") from migrations.
  exec("SET client_min_messages = warning");
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

std::string PgConnection::redact(std::string text) const {
  replace_all(text, dsn_, "[connection string]");
  replace_all(text, target_.password, "[password]");
  return text;
}

PgResult PgConnection::exec(const std::string& sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const PgParam& p : params) {
    values.push_back(p.value ? p.value->data() : nullptr);
    lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
    formats.push_back(p.binary ? 1 : 0);
  }
  PGresult* raw = PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                               values.data(), lengths.data(), formats.data(), /*resultFormat=*/0);
  ExecStatusType st = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    std::string msg = raw ? PQresultErrorMessage(raw) : "";
    if (msg.empty()) msg = PQerrorMessage(conn_);
    if (raw) PQclear(raw);
    throw Error("postgres (" + target_.str() + "): " + redact(trimmed(msg)));
  }
  return PgResult(raw);
}

void PgConnection::exec_script(const std::string& sql) {
  PGresult* raw = PQexec(conn_, sql.c_str());
  ExecStatusType st = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  std::string msg = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK
                        ? std::string()
                        : std::string(raw ? PQresultErrorMessage(raw) : PQerrorMessage(conn_));
  if (raw) PQclear(raw);
  if (!msg.empty()) throw Error("postgres (" + target_.str() + "): " + redact(trimmed(msg)));
}

PgConnectionPool::Lease::Lease(PgConnectionPool& p) : pool(p) {
  {
    std::lock_guard<std::mutex> hold(pool.mu_);
    if (!pool.idle_.empty()) {
      conn = std::move(pool.idle_.back());
      pool.idle_.pop_back();
    }
  }
  if (!conn) conn = std::make_unique<PgConnection>(pool.dsn_, pool.source_);
}

PgConnectionPool::Lease::~Lease() {
  if (!conn || !conn->idle()) return;
  std::lock_guard<std::mutex> hold(pool.mu_);
  pool.idle_.push_back(std::move(conn));
}

PgTransaction::PgTransaction(PgConnection& c, const char* begin) : c_(c) { c_.exec(begin); }

PgTransaction::~PgTransaction() {
  if (done_) return;
  try {
    c_.exec("ROLLBACK");
  } catch (const Error&) {
    // A broken connection rolls back by itself.
  }
}

void PgTransaction::commit() {
  c_.exec("COMMIT");
  done_ = true;
}

}  // namespace keyform
