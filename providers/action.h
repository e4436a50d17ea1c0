#pragma once
// The action vocabulary of plans (DESIGN.md section 3).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyform {

enum class ActionType {
  kNoOp,
  kCreate,
  kUpdate,   // recorded in place; outputs unchanged
  kReplace,  // new key material / new identity; outputs change
  kRenew,    // re-issued because of time; outputs change
  kRotate,
  kShare,
  kDeploy,
  kRevoke,
  kDelete,
  kRepair,
};

std::string_view action_name(ActionType t);  // "create", "no-op", ...
std::optional<ActionType> action_from_name(std::string_view name);

// Whether dependents may have to follow: the resource's outputs (key,
// certificate, value, deployed files) change.
bool changes_outputs(ActionType t);

// A certificate a CA is to revoke (planned as a `revoke` action on the CA).
struct Revocation {
  std::string address;  // "Certificate/web"
  std::string serial;   // lower-case hex, as recorded
  std::string reason;   // RFC 5280 CRLReason name: "superseded", "cessationOfOperation"
};

struct Action {
  std::string id;       // stable for a given state serial and plan
  std::string address;  // "Certificate/web"
  ActionType type = ActionType::kNoOp;
  std::vector<std::string> reasons;
  // Addresses whose actions must finish before this one starts (its planned
  // dependencies; for deletes, its recorded dependents): every action on
  // them placed earlier in the plan (an address can have two: a CA's own
  // action and its `revoke`).
  std::vector<std::string> after;
  // kRevoke on a CertificateAuthority: what it revokes (reconciler/pki_plan.h).
  std::vector<Revocation> revocations;
  // A no-op that would be an action but cannot run yet: it waits for a CA
  // that has no certificate (PENDING_CERTIFICATE), directly or through a
  // dependency; its reasons say which. Dependents of a waiting action wait.
  bool waiting = false;
  // The action runs but leaves its outputs missing: a CA created with an
  // external parent has a key and a CSR, no certificate, until `keyform ca
  // install`. Dependents that would change wait, as for `waiting`.
  bool pending_outputs = false;
};

}  // namespace keyform
