#pragma once
// A libpq connection with the few things the postgres backend needs:
// parameterised statements (bytea parameters sent as binary, so no escaping
// of sealed objects), transactions, and errors that never carry the
// connection string or its password.
//
// Not thread-safe: a PgConnection is used by one thread at a time (the
// backend guards its data connection with a mutex).
#include <libpq-fe.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyform {

// What a connection string says, minus the password: for messages.
struct PgTarget {
  std::string host;  // "" when libpq's default (the local socket)
  std::string port;
  std::string dbname;
  std::string user;
  std::string password;     // kept only to redact it from messages
  std::string str() const;  // "database D on H:P as U"
};

// Parses a libpq connection string (key=value pairs or a postgresql:// URI).
// Throws keyform::Error, without echoing the string, when it is not one.
PgTarget parse_pg_target(const std::string& dsn, const std::string& source);

class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  int affected() const;  // rows an INSERT/UPDATE/DELETE touched
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const;
  int64_t integer(int row, int col) const;
  std::string bytea(int row, int col) const;  // a bytea column, decoded

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

struct PgParam {
  std::optional<std::string> value;  // nullopt: SQL NULL
  bool binary = false;               // bytea sent as raw bytes
  static PgParam text(std::string v) { return {std::move(v), false}; }
  static PgParam bytes(std::string_view v) { return {std::string(v), true}; }
  static PgParam integer(int64_t v) { return {std::to_string(v), false}; }
};

class PgConnection {
 public:
  // Connects; `source` names where the string came from ("$KEYFORM_PG_DSN")
  // for messages. Throws keyform::Error (redacted) when it cannot.
  PgConnection(const std::string& dsn, const std::string& source);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement; throws keyform::Error with the server's message
  // (redacted) when it fails. Results come back as text.
  PgResult exec(const std::string& sql, const std::vector<PgParam>& params = {});
  // Runs several statements separated by ';' (no parameters): migrations.
  void exec_script(const std::string& sql);
  // Whether the connection still works (false after the server went away).
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  const PgTarget& target() const { return target_; }
  // Removes the password and the connection string from `text`.
  std::string redact(std::string text) const;

 private:
  PGconn* conn_ = nullptr;
  PgTarget target_;
  std::string dsn_;
  std::string source_;
};

// A connection opened on first use and shared between threads: with() runs
// `f` holding the mutex, so a transaction is never interleaved with another
// thread's statement. A connection that broke is replaced on the next use.
class PgSharedConnection {
 public:
  PgSharedConnection(std::string dsn, std::string source)
      : dsn_(std::move(dsn)), source_(std::move(source)) {}
  template <class F>
  auto with(F&& f) {
    std::lock_guard<std::mutex> hold(mu_);
    if (!conn_ || !conn_->ok()) conn_ = std::make_unique<PgConnection>(dsn_, source_);
    return f(*conn_);
  }
  const std::string& dsn() const { return dsn_; }
  const std::string& source() const { return source_; }

 private:
  std::mutex mu_;
  std::unique_ptr<PgConnection> conn_;
  std::string dsn_;
  std::string source_;
};

// BEGIN on construction; ROLLBACK on destruction unless commit() ran.
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& c, const char* begin = "BEGIN");
  ~PgTransaction();
  void commit();

 private:
  PgConnection& c_;
  bool done_ = false;
};

}  // namespace keyform
