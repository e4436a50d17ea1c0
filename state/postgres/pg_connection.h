#pragma once
// A libpq connection with the few things the postgres backend needs:
// parameterised statements (bytea parameters sent as binary, so no escaping
// of sealed objects), transactions, and errors that never carry the
// connection string or its password.
//
// Not thread-safe: a PgConnection is used by one thread at a time
// (PgConnectionPool hands each caller its own).
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
  // The libpq handle, for what this class does not wrap (LISTEN's socket
  // and notifications: pg_change_feed.cc).
  PGconn* native() const { return conn_; }
  // Connected and outside any transaction: fit to hand to someone else.
  bool idle() const { return ok() && PQtransactionStatus(conn_) == PQTRANS_IDLE; }
  const PgTarget& target() const { return target_; }
  // Removes the password and the connection string from `text`.
  std::string redact(std::string text) const;

 private:
  PGconn* conn_ = nullptr;
  PgTarget target_;
  std::string dsn_;
  std::string source_;
};

// Connections opened on demand and reused: with() runs `f` on an idle
// connection (or a new one), so threads never share one at the same time and
// each transaction runs whole on one connection. Object writes from apply's
// workers thus commit in parallel with the journal's appends. A connection
// that broke or was left inside a transaction is dropped, not reused.
class PgConnectionPool {
 public:
  PgConnectionPool(std::string dsn, std::string source)
      : dsn_(std::move(dsn)), source_(std::move(source)) {}
  template <class F>
  auto with(F&& f) {
    Lease lease(*this);
    return f(*lease.conn);
  }
  const std::string& dsn() const { return dsn_; }
  const std::string& source() const { return source_; }

 private:
  struct Lease {
    explicit Lease(PgConnectionPool& p);
    ~Lease();
    PgConnectionPool& pool;
    std::unique_ptr<PgConnection> conn;
  };
  std::mutex mu_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
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
