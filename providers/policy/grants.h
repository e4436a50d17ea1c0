#pragma once
// The effective grants of a policy: one entry per (principal, concrete
// action) a statement names, so two versions of a policy can be compared and
// a plan can say what became readable by whom, and what stopped being.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "providers/policy/policy.h"

namespace keyform::policy {

struct Grant {
  std::string resource;   // Secret/web-tls
  bool allow = true;      // a Deny statement gives a denial
  std::string principal;  // as written (may be a pattern)
  std::string action;     // concrete: action globs are expanded
  std::string when;       // the conditions, as text; "" when none
  bool operator<(const Grant& o) const;
  bool operator==(const Grant& o) const;
};

// Sorted, without duplicates.
std::vector<Grant> effective_grants(const Policy& p);

nlohmann::json grants_json(const std::vector<Grant>& grants);
std::vector<Grant> grants_from_json(const nlohmann::json& j);

// "Secret/web-tls now readable by account:b/role:apache",
// "KmsKey/ca-key: account:b/role:apache may no longer kms:Decrypt", ...
std::string describe_grant(const Grant& g, bool now);

}  // namespace keyform::policy
