#pragma once
// The PostgreSQL side of the postgres rotation strategies, on libpq. Every
// connection uses the admin DSN read from the configured environment
// variable (host, port, database, TLS settings); logins as the rotated role
// override only user and password. Passwords travel to the server only as
// SCRAM-SHA-256 verifiers computed client-side (PQencryptPasswordConn), so
// no statement, server log or error carries one.
#include <memory>
#include <string>

#include "util/secret_bytes.h"

struct pg_conn;

namespace keyform::secrets {

class PgConnection {
 public:
  // Connects with the admin DSN. Throws naming the server's reason (never
  // the DSN: it holds the admin password).
  explicit PgConnection(const std::string& admin_dsn);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  bool role_exists(const std::string& role);
  // ALTER ROLE ... PASSWORD '<SCRAM-SHA-256 verifier>'. Throws when the role
  // does not exist or the server refuses.
  void set_password(const std::string& role, const SecretBytes& password);
  // Creates `clone` (LOGIN) as a member of `role`, so it holds the same
  // grants; does nothing when it exists.
  void create_clone(const std::string& role, const std::string& clone);

 private:
  void exec(const std::string& sql, const std::string& what);
  pg_conn* conn_ = nullptr;
};

// Logs in as `user` with `password` at the admin DSN's server and database.
// Returns "" on success, else the server's reason (no secret material).
std::string try_login(const std::string& admin_dsn, const std::string& user,
                      const SecretBytes& password);

// The admin DSN from the environment variable `env`. Throws naming the
// variable when it is unset.
std::string admin_dsn_from_env(const std::string& env);

}  // namespace keyform::secrets
