#pragma once
// Policy evaluation, the way a cloud IAM does it (docs/policies.md):
//
//   1. an explicit Deny in any statement that matches wins;
//   2. else an Allow that matches allows;
//   3. else the project's own account is allowed (it owns its resources);
//   4. else: implicit deny, "no statement allows it".
//
// Reading a Secret's value (secret:GetSecretValue on Secret/x) also needs
// kms:Decrypt on the KmsKey the secret is sealed under: both are evaluated,
// and the first that refuses decides. Every decision names what decided it.
#include <map>
#include <string>
#include <vector>

#include "providers/policy/policy.h"
#include "reconciler/config/resource.h"

namespace keyform::policy {

// Condition keys and their values for one request ("pki:Template" ->
// "EndEntityServerAuthCertificate"). keyform:PrincipalAccount is added by
// the evaluator.
using Context = std::map<std::string, std::string>;

struct Request {
  std::string principal;  // account:<id>/role:<name>, no globs
  std::string action;     // secret:GetSecretValue, ...
  std::string resource;   // Secret/web-tls, KmsKey/ca-key, CertificateAuthority/root
  Context context;
};

struct Decision {
  enum class Basis {
    kStatement,    // a statement matched (policy, sid, pos say which)
    kOwner,        // the project's own account, and no Deny matched
    kNoStatement,  // implicit deny
    kRootKey,      // sealed under the project's root key, which only the owner uses
  };
  bool allowed = false;
  Basis basis = Basis::kNoStatement;
  // The permission this decision is about (for a composite one: the step
  // that decided it, the first refusal or else the first step).
  std::string principal, action, resource;
  std::string policy;  // "ResourcePolicy/web-tls" when basis is kStatement
  std::string sid;
  SourcePos pos;  // the statement's file:line:col
  // A secret read: one decision per permission evaluated, in order.
  std::vector<Decision> steps;

  // "statement "ShareWithB" of ResourcePolicy/web-tls at policies/web.yaml:9",
  // "account a owns KmsKey/ca-key", or "no statement allows it".
  std::string because() const;
  // "ALLOW kms:Decrypt on KmsKey/ca-key: <because>"
  std::string str() const;
};

// Evaluates one permission against the policies on request.resource.
// owner_account: the project's account ("" when none: nobody is owner).
// No checks on the request; use authorize() for user input.
Decision evaluate(const PolicySet& policies, const std::string& owner_account,
                  const Request& request);

// kms:Decrypt for `reader` (its principal and context) on `kms_key`, the
// KmsKey that seals what reader.resource names; "" for the root key, which
// only the owner may use (Basis::kRootKey otherwise).
Decision decrypt_decision(const PolicySet& policies, const std::string& owner_account,
                          const Request& reader, const std::string& kms_key);

// The entry point for commands and providers (`access check`, `secret get
// --as`, deployments). Checks the request (a concrete principal, a known
// action that applies to the resource's kind, a resource of the config --
// or of a kind this build does not know yet) and throws keyform::Error when
// it is malformed; then evaluates it, adding kms:Decrypt on the secret's
// KmsKey for secret:GetSecretValue.
Decision authorize(const Config& config, const std::string& principal, const std::string& action,
                   const std::string& resource, const Context& context = {});
// The same against a PolicySet built once from `config`.
Decision authorize(const Config& config, const PolicySet& policies, const Request& request);

}  // namespace keyform::policy
