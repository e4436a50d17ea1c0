#pragma once
// What serve answers a reader that is not deploying (docs/fleet.md):
// `keyform secret get --server` and `keyform access check --server`. The
// principal is the client certificate's, never one the caller names, so
// `--as` is not needed for a real reader.
//
//   GET  /v1/secrets/NAME?stage=S&version=ID&field=F   one value, when the
//        ResourcePolicies allow secret:GetSecretValue (and kms:Decrypt on
//        its KmsKey); audited as secret:GetSecretValue, allowed or denied
//   POST /v1/access/check {"action", "resource", "context"}   the decision
//        for the caller's principal; audited as fleet:CheckAccess
#include <string>

#include "fleet/fleet_service.h"

namespace keyform::fleet {

ApiResponse read_secret(ServiceEnvironment& env, FleetStore& store, const ApiRequest& request,
                        const std::string& name);

ApiResponse check_access(ServiceEnvironment& env, FleetStore& store, const ApiRequest& request);

// The value of query parameter `name` in a request target ("/x?a=1&b=2"),
// percent-decoded; "" when absent.
std::string query_parameter(std::string_view target, std::string_view name);

}  // namespace keyform::fleet
