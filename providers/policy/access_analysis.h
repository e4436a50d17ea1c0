#pragma once
// Access analysis: whether each DeploymentTarget's principal may read what
// it deploys, checked at validate and plan time (every load of the config)
// so a deployment that would be refused fails before anything runs.
//
// What deploying a source needs (docs/policies.md):
//   Certificate/x           pki:GetCertificate on its issuing CA, and, when a
//                           privateKey/combined/pkcs12 file is deployed,
//                           kms:Decrypt on the KmsKey sealing the key
//   CertificateAuthority/x  pki:GetCertificate on it
//   Secret/x                secret:GetSecretValue on it and kms:Decrypt on
//                           its KmsKey
//   TrustBundle/x           nothing: it holds public certificates only
//   a pkcs12 passwordFrom   secret:GetSecretValue on that Secret and
//   Secret                  kms:Decrypt on its KmsKey
#include <string>
#include <vector>

#include "providers/policy/evaluate.h"
#include "providers/provider.h"

namespace keyform::policy {

// The principal a DeploymentTarget acts as: spec.principal, else the
// project's owner (owner_principal); "" when neither is known.
std::string target_principal(const Config& config, const Resource& target);

// Why a refused decision refused, and what to do about it: "lacks kms:Decrypt
// on KmsKey/ca-key: add a statement to a ResourcePolicy on KmsKey/ca-key".
std::string refusal(const Decision& d);

// One decision per permission deploying `target` needs (above), for its
// principal. Empty when the source is not in the config or needs nothing.
std::vector<Decision> deployment_decisions(const Config& config, const PolicySet& policies,
                                           const Resource& target);

// The same for another principal: an agent's, from its certificate, for a
// target with spec.hosts (docs/fleet.md).
std::vector<Decision> deployment_decisions(const Config& config, const PolicySet& policies,
                                           const Resource& target, const std::string& principal);

// What `principal` lacks to deploy `source`, given deployment_decisions:
// "account:b/role:web may read Secret/web-tls but lacks kms:Decrypt on ...";
// "" when every decision allows.
std::string deployment_refusal(const std::string& principal, const std::string& source,
                               const std::vector<Decision>& decisions);

// Reports every DeploymentTarget whose principal lacks a permission, with
// the missing permission and where to add it:
//   account:b/role:apache may read Secret/web-tls but lacks kms:Decrypt on
//   KmsKey/ca-key: add a statement to a ResourcePolicy on KmsKey/ca-key
void analyze_deployment_access(const Config& config, const ConfigDiagnosticSink& error);

}  // namespace keyform::policy
