#include "providers/secrets/rotation_strategy.h"

#include "providers/secrets/postgres_client.h"
#include "providers/secrets/secret_versions.h"
#include "util/error.h"

namespace keyform::secrets {

std::string RotationStrategy::next_username(const nlohmann::json&) const { return ""; }
void RotationStrategy::set(const std::string&, const SecretBytes&) const {}
std::string RotationStrategy::test(const std::string&, const SecretBytes&) const { return ""; }
void RotationStrategy::restore(const std::string&, const SecretBytes&) const {}

namespace {

class PostgresSingleUser : public RotationStrategy {
 public:
  PostgresSingleUser(std::string env, std::string role)
      : env_(std::move(env)), role_(std::move(role)) {}

  std::string next_username(const nlohmann::json&) const override { return role_; }
  void set(const std::string& username, const SecretBytes& password) const override {
    PgConnection admin(admin_dsn_from_env(env_));
    before_set(admin, username);
    admin.set_password(username, password);
  }
  std::string test(const std::string& username, const SecretBytes& password) const override {
    return try_login(admin_dsn_from_env(env_), username, password);
  }
  void restore(const std::string& username, const SecretBytes& password) const override {
    PgConnection(admin_dsn_from_env(env_)).set_password(username, password);
  }
  bool observable() const override { return true; }

 protected:
  virtual void before_set(PgConnection&, const std::string&) const {}
  const std::string& role() const { return role_; }

 private:
  std::string env_, role_;
};

class PostgresAlternatingUsers : public PostgresSingleUser {
 public:
  using PostgresSingleUser::PostgresSingleUser;

  // The user CURRENT does not use: the role first, then back and forth.
  std::string next_username(const nlohmann::json& attributes) const override {
    const nlohmann::json* current = version_with_stage(attributes, kCurrent);
    if (!current || !current->contains("username")) return role();
    return current->value("username", "") == role() ? clone() : role();
  }
  // Only the user not in use changed: CURRENT still logs in.
  void restore(const std::string&, const SecretBytes&) const override {}

 protected:
  void before_set(PgConnection& admin, const std::string& username) const override {
    if (username == clone()) admin.create_clone(role(), clone());
  }

 private:
  std::string clone() const { return role() + "_clone"; }
};

}  // namespace

bool is_postgres_strategy(const std::string& strategy) {
  return strategy == "postgres-single-user" || strategy == "postgres-alternating-users";
}

nlohmann::json strategy_attributes(const nlohmann::json& spec) {
  const nlohmann::json rotation = spec.value("rotation", nlohmann::json::object());
  nlohmann::json out = {{"strategy", rotation.value("strategy", std::string("regenerate"))}};
  if (rotation.contains("postgres")) {
    const nlohmann::json& pg = rotation["postgres"];
    out["postgres"] = {{"env", pg["connection"].value("env", "")}, {"role", pg.value("role", "")}};
  }
  return out;
}

std::unique_ptr<RotationStrategy> make_rotation_strategy(const nlohmann::json& rotation) {
  const std::string strategy = rotation.value("strategy", std::string("regenerate"));
  if (strategy == "regenerate") return std::make_unique<RotationStrategy>();
  if (!is_postgres_strategy(strategy)) throw Error("unknown rotation strategy " + strategy);
  const nlohmann::json pg = rotation.value("postgres", nlohmann::json::object());
  std::string env = pg.value("env", ""), role = pg.value("role", "");
  if (env.empty() || role.empty())
    throw Error("rotation strategy " + strategy + " needs rotation.postgres (connection and role)");
  if (strategy == "postgres-single-user")
    return std::make_unique<PostgresSingleUser>(std::move(env), std::move(role));
  return std::make_unique<PostgresAlternatingUsers>(std::move(env), std::move(role));
}

}  // namespace keyform::secrets
