#pragma once
// What a rotation does outside keyform, per `rotation.strategy`:
//
//   regenerate                  nothing: the value is the whole secret
//   postgres-single-user        ALTER ROLE <role> PASSWORD, test by logging in
//   postgres-alternating-users  the same on whichever of <role> and
//                               <role>_clone CURRENT does not use, creating
//                               the clone (a member of <role>) on first use
//
// Every operation is idempotent: the rotation steps may repeat after a
// crash with the same version.
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "util/secret_bytes.h"

namespace keyform::secrets {

class RotationStrategy {
 public:
  virtual ~RotationStrategy() = default;
  // The database user the next version belongs to ("" when none), given the
  // recorded attributes (the CURRENT version's user).
  virtual std::string next_username(const nlohmann::json& attributes) const;
  // The set step: the backing system takes `password` for `username`.
  virtual void set(const std::string& username, const SecretBytes& password) const;
  // The test step: returns "" when the value works, else why not.
  virtual std::string test(const std::string& username, const SecretBytes& password) const;
  // After a failed test: puts the CURRENT value back where set changed it
  // (only single-user changes a user CURRENT relies on).
  virtual void restore(const std::string& username, const SecretBytes& password) const;
  // Whether observe() can ask the backing system about CURRENT.
  virtual bool observable() const { return false; }
};

// `rotation` is {strategy, postgres: {env, role}} (spec.rotation, or the
// copy recorded in attributes). Throws on an unknown strategy.
std::unique_ptr<RotationStrategy> make_rotation_strategy(const nlohmann::json& rotation);

// The fields of spec.rotation that the strategy needs, to record in the
// attributes (no secret material: the admin DSN stays in its variable).
nlohmann::json strategy_attributes(const nlohmann::json& spec);

bool is_postgres_strategy(const std::string& strategy);

}  // namespace keyform::secrets
