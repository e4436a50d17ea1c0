#pragma once
// A policy decision as JSON, for `keyform access check --json` and serve's
// POST /v1/access/check (docs/policies.md): decision, principal, action,
// resource, because, the deciding statement when one did, and the steps.
#include <nlohmann/json.hpp>

#include "providers/policy/evaluate.h"

namespace keyform::policy {

nlohmann::json decision_json(const Decision& d);

// The text form: "ALLOW: <because>", then each step indented.
std::string decision_text(const Decision& d);

}  // namespace keyform::policy
