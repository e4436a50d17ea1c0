#pragma once
// Factories of the built-in providers, one per kind.
#include <memory>

#include "providers/provider.h"

namespace keyform {

std::unique_ptr<Provider> make_kms_key_provider();
std::unique_ptr<Provider> make_certificate_authority_provider();
std::unique_ptr<Provider> make_certificate_provider();
std::unique_ptr<Provider> make_deployment_target_provider();
std::unique_ptr<Provider> make_trust_bundle_provider();
std::unique_ptr<Provider> make_resource_policy_provider();
std::unique_ptr<Provider> make_secret_provider();

}  // namespace keyform
