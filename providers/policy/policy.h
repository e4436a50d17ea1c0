#pragma once
// A ResourcePolicy as the evaluator sees it: statements with their source
// positions, indexed by the resource they are attached to.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "reconciler/config/resource.h"

namespace keyform::policy {

struct Condition {
  std::string op;                   // StringEquals, StringNotEquals, StringLike, StringNotLike
  std::string key;                  // pki:Template, ...
  std::vector<std::string> values;  // any of them
};

struct Statement {
  std::string sid;
  bool allow = true;                    // effect: Allow or Deny
  std::vector<std::string> principals;  // patterns
  std::vector<std::string> actions;     // patterns
  std::vector<Condition> conditions;    // all must hold
  SourcePos pos;                        // where the statement starts
};

struct Policy {
  std::string address;   // "ResourcePolicy/web-tls"
  std::string resource;  // "Secret/web-tls"
  bool allow_public = false;
  std::vector<Statement> statements;
};

// A ResourcePolicy resource (already schema-valid) as a Policy. Statement
// positions come from Resource::marks ("/spec/statements/<i>"), else the
// document's position.
Policy parse_policy(const Resource& r);

// The policies of a config by the resource they are attached to. Build it
// once and evaluate many requests against it.
class PolicySet {
 public:
  PolicySet() = default;
  explicit PolicySet(const Config& config);
  void add(Policy p);
  // Every policy attached to `resource` (several are evaluated as one).
  const std::vector<Policy>& on(const std::string& resource) const;

 private:
  std::map<std::string, std::vector<Policy>, std::less<>> by_resource_;
};

// "account:<id>/role:<name>"; with `patterns`, '*' and '?' may appear in
// the id and the name, and "*" alone is everyone.
bool valid_principal(std::string_view p, bool patterns);
// A pattern that matches principals of accounts nobody chose: "*", or an
// account id with a glob ("account:*/role:x", "account:12*/role:x").
bool public_principal(std::string_view pattern);
// "b" for "account:b/role:apache"; "" when malformed.
std::string principal_account(std::string_view principal);
// The identity the project acts as by default: account:<account>/role:owner.
std::string owner_principal(const Project& project);

}  // namespace keyform::policy
