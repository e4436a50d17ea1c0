#include "providers/policy/access_analysis.h"

#include <algorithm>

#include "providers/pki/host_key.h"

namespace keyform::policy {

namespace {

bool deploys_private_key(const Resource& target) {
  for (const auto& f : target.spec.value("files", nlohmann::json::array())) {
    std::string content = f.value("content", "");
    if (content == "privateKey" || content == "combined" || content == "pkcs12") return true;
  }
  return false;
}

}  // namespace

std::string refusal(const Decision& d) {
  switch (d.basis) {
    case Decision::Basis::kStatement:
      return "is denied " + d.action + " on " + d.resource + " by " + d.because();
    case Decision::Basis::kRootKey:
      return "cannot use the key that seals " + d.resource + ": " + d.because();
    default:
      return "lacks " + d.action + " on " + d.resource +
             ": add a statement to a ResourcePolicy on " + d.resource;
  }
}

namespace {

std::string granted(const Decision& d) {
  if (d.action == "secret:GetSecretValue") return "may read " + d.resource;
  return "has " + d.action + " on " + d.resource;
}

}  // namespace

std::string target_principal(const Config& config, const Resource& target) {
  if (target.spec.contains("principal")) return target.spec["principal"].get<std::string>();
  return config.project.account.empty() ? "" : owner_principal(config.project);
}

std::vector<Decision> deployment_decisions(const Config& config, const PolicySet& policies,
                                           const Resource& target) {
  return deployment_decisions(config, policies, target, target_principal(config, target));
}

std::vector<Decision> deployment_decisions(const Config& config, const PolicySet& policies,
                                           const Resource& target, const std::string& principal) {
  std::vector<Decision> out;
  const std::string address = target.spec.value("source", "");
  const Resource* source = config.find(address);
  if (principal.empty() || !source) return out;
  const std::string& owner = config.project.account;
  auto need = [&](const std::string& action, const std::string& resource) {
    out.push_back(evaluate(policies, owner, Request{principal, action, resource, {}}));
  };
  if (source->kind == "Certificate") {
    std::string issuer = "CertificateAuthority/" + source->spec.value("issuer", "");
    if (config.find(issuer)) need("pki:GetCertificate", issuer);
    // A key made on the host is not sealed by any KmsKey: nothing to decrypt.
    if (deploys_private_key(target) && !pki::key_generated_on_host(source->spec))
      out.push_back(decrypt_decision(policies, owner, Request{principal, "", address, {}},
                                     kms_key_address(*source, config.project)));
  } else if (source->kind == "CertificateAuthority") {
    need("pki:GetCertificate", address);
  }
  // The source when it is a Secret, and each pkcs12 password's Secret.
  std::vector<const Resource*> secrets;
  if (source->kind == "Secret") secrets.push_back(source);
  for (const auto& f : target.spec.value("files", nlohmann::json::array())) {
    if (!f.contains("passwordFrom")) continue;
    const Resource* s = config.find("Secret/" + f["passwordFrom"].value("secret", ""));
    if (s && std::find(secrets.begin(), secrets.end(), s) == secrets.end()) secrets.push_back(s);
  }
  for (const Resource* secret : secrets) {
    need("secret:GetSecretValue", secret->address());
    out.push_back(decrypt_decision(policies, owner, Request{principal, "", secret->address(), {}},
                                   kms_key_address(*secret, config.project)));
  }
  return out;
}

void analyze_deployment_access(const Config& config, const ConfigDiagnosticSink& error) {
  PolicySet policies;
  bool built = false;
  for (size_t i = 0; i < config.resources.size(); ++i) {
    const Resource& target = config.resources[i];
    if (target.kind != "DeploymentTarget") continue;
    if (!built) {
      policies = PolicySet(config);
      built = true;
    }
    const std::string principal = target_principal(config, target);
    std::string message =
        deployment_refusal(principal, target.spec.value("source", ""),
                           deployment_decisions(config, policies, target, principal));
    if (message.empty()) continue;
    error(i, target.spec.contains("principal") ? "/spec/principal" : "/spec/source", message);
  }
}

std::string deployment_refusal(const std::string& principal, const std::string& source,
                               const std::vector<Decision>& decisions) {
  std::string lacks, has;
  for (const Decision& d : decisions) {
    if (d.allowed)
      has += (has.empty() ? "" : " and ") + granted(d);
    else
      lacks += (lacks.empty() ? "" : "; and ") + refusal(d);
  }
  if (lacks.empty()) return "";
  return has.empty() ? principal + " cannot deploy " + source + ": it " + lacks
                     : principal + " " + has + " but " + lacks;
}

}  // namespace keyform::policy
