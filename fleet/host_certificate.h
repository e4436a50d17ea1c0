#pragma once
// What keyform serve answers for a DeploymentTarget whose source Certificate
// makes its key on the host (privateKey.generatedOn: host, docs/fleet.md):
//
//   GET  /v1/targets/NAME              the files to write and how to make the
//                                      key, but no file contents;
//   POST /v1/targets/NAME/certificate  {"csr": PEM}: a certificate for the
//                                      host's own key, with the names the spec
//                                      says, and its chain.
//
// No private key passes through serve: it is in no request, response, state
// entry or log. What is recorded is public (FleetCertificate/NAME, per host).
#include <string>

#include "fleet/fleet_service.h"

namespace keyform::fleet {

inline constexpr size_t kMaxCsrBytes = 16 * 1024;

// What the agent compares to decide whether its certificate still fits: a
// digest of the Certificate's spec (but its renewal timing) and of the
// issuer's public key, as recorded in `state`.
std::string host_certificate_version(const Resource& certificate, const State& state);

// The 200 body of GET /v1/targets/NAME for such a target (the policies were
// checked). Audited as fleet:GetDeployment.
ApiResponse host_key_deployment(const ServiceEnvironment& env, const State& state,
                                const Config& config, const Resource& target,
                                const AgentIdentity& who);

// POST /v1/targets/NAME/certificate. Under the exclusive lock: the agent is
// authenticated, the target assigned to its host, its source a host-key
// Certificate, the policies allow the agent's principal, and the request
// passes check_host_csr; then the issuer signs, FleetCertificate/NAME records
// the host's serial, and the grant is audited (fleet:IssueHostCertificate).
// Throws ApiError for every refusal, before anything is recorded.
ApiResponse issue_host_certificate(const ServiceEnvironment& env, FleetStore& store,
                                   const ApiRequest& request, const std::string& name);

}  // namespace keyform::fleet
