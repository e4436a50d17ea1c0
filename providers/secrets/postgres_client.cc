#include "providers/secrets/postgres_client.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>

#include "util/error.h"

namespace keyform::secrets {

namespace {

// libpq's messages end with a newline and may span lines; one line reads better.
std::string one_line(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s.empty() ? "unknown error" : s;
}

// A NUL-terminated copy for libpq, cleansed when it goes.
SecretBytes c_string(const SecretBytes& s) {
  SecretBytes out(s.size() + 1);
  if (!s.empty()) std::memcpy(out.data(), s.data(), s.size());
  out.data()[s.size()] = 0;
  return out;
}

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultFree>;

// The primary message only: the server's detail and context fields may
// quote the statement.
std::string result_error(PGresult* r, PGconn* conn) {
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  return one_line(primary ? primary : PQerrorMessage(conn));
}

std::string escaped_identifier(PGconn* conn, const std::string& name) {
  char* q = PQescapeIdentifier(conn, name.c_str(), name.size());
  if (!q) throw Error("cannot quote the role name " + name + ": " + one_line(PQerrorMessage(conn)));
  std::string out = q;
  PQfreemem(q);
  return out;
}

}  // namespace

std::string admin_dsn_from_env(const std::string& env) {
  const char* v = std::getenv(env.c_str());
  if (!v || !*v)
    throw Error("environment variable " + env +
                " (rotation.postgres.connection.env) is not set: it must hold the admin DSN");
  return v;
}

PgConnection::PgConnection(const std::string& admin_dsn) {
  const char* keys[] = {"dbname", "connect_timeout", nullptr};
  const char* values[] = {admin_dsn.c_str(), "10", nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string why = conn_ ? one_line(PQerrorMessage(conn_)) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error("cannot connect to PostgreSQL with the admin DSN: " + why);
  }
}

PgConnection::~PgConnection() { PQfinish(conn_); }

void PgConnection::exec(const std::string& sql, const std::string& what) {
  Result r(PQexec(conn_, sql.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    throw Error("PostgreSQL refused to " + what + ": " + result_error(r.get(), conn_));
}

bool PgConnection::role_exists(const std::string& role) {
  const char* params[] = {role.c_str()};
  Result r(PQexecParams(conn_, "SELECT 1 FROM pg_roles WHERE rolname = $1", 1, nullptr, params,
                        nullptr, nullptr, 0));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK)
    throw Error("cannot look up role " + role + ": " + result_error(r.get(), conn_));
  return PQntuples(r.get()) > 0;
}

void PgConnection::set_password(const std::string& role, const SecretBytes& password) {
  if (!role_exists(role)) throw Error("role " + role + " does not exist on the server");
  SecretBytes pw = c_string(password);
  char* verifier = PQencryptPasswordConn(conn_, reinterpret_cast<const char*>(pw.data()),
                                         role.c_str(), "scram-sha-256");
  if (!verifier)
    throw Error("cannot compute a SCRAM-SHA-256 verifier: " + one_line(PQerrorMessage(conn_)));
  char* literal = PQescapeLiteral(conn_, verifier, std::strlen(verifier));
  PQfreemem(verifier);
  if (!literal) throw Error("cannot quote the verifier: " + one_line(PQerrorMessage(conn_)));
  std::string sql = "ALTER ROLE " + escaped_identifier(conn_, role) + " PASSWORD " + literal;
  PQfreemem(literal);
  exec(sql, "set the password of role " + role);
}

void PgConnection::create_clone(const std::string& role, const std::string& clone) {
  if (role_exists(clone)) return;
  if (!role_exists(role)) throw Error("role " + role + " does not exist on the server");
  exec("CREATE ROLE " + escaped_identifier(conn_, clone) + " LOGIN", "create role " + clone);
  exec("GRANT " + escaped_identifier(conn_, role) + " TO " + escaped_identifier(conn_, clone),
       "grant " + role + " to " + clone);
}

std::string try_login(const std::string& admin_dsn, const std::string& user,
                      const SecretBytes& password) {
  SecretBytes pw = c_string(password);
  const char* keys[] = {"dbname", "user", "password", "connect_timeout", nullptr};
  const char* values[] = {admin_dsn.c_str(), user.c_str(), reinterpret_cast<const char*>(pw.data()),
                          "10", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  std::string why;
  if (!conn)
    why = "out of memory";
  else if (PQstatus(conn) != CONNECTION_OK)
    why = one_line(PQerrorMessage(conn));
  PQfinish(conn);
  return why;
}

}  // namespace keyform::secrets
