#include "providers/pki/host_key.h"

#include "providers/deploy/deployment_target.h"
#include "providers/pki/pki_spec.h"
#include "util/error.h"
#include "util/text.h"

namespace keyform::pki {

namespace {

constexpr Seconds kDefaultValidity = 90 * 86400;

}  // namespace

bool key_generated_on_host(const nlohmann::json& certificate_spec) {
  const auto it = certificate_spec.find("privateKey");
  return it != certificate_spec.end() && it->is_object() &&
         it->value("generatedOn", std::string("keyform")) == "host";
}

bool key_generated_on_host(const Config& config, const std::string& address) {
  const Resource* r = config.find(address);
  return r && r->kind == "Certificate" && key_generated_on_host(r->spec);
}

bool host_key_content(const std::string& content) {
  return content == "certificate" || content == "chain" || content == "fullchain" ||
         content == "privateKey" || content == "combined";
}

void validate_host_key_users(const Config& config, const ConfigDiagnosticSink& error) {
  const char* why = " makes its key on each host (privateKey.generatedOn: host)";
  for (size_t i = 0; i < config.resources.size(); ++i) {
    const Resource& r = config.resources[i];
    if (r.kind == "DeploymentTarget") {
      const std::string source = r.spec.value("source", "");
      if (!key_generated_on_host(config, source)) continue;
      if (target_hosts(r).empty()) {
        error(i, "/spec/source",
              source + why +
                  ": only a DeploymentTarget with spec.hosts can deploy it, whose "
                  "agents make the key; " +
                  r.address() + " has no hosts");
        continue;
      }
      if (r.spec.contains("rollout"))
        error(i, "/spec/rollout",
              source + why + ": each host asks for its own certificate when its own is due, " +
                  "so " + r.address() + " cannot have rollout limits");
      const auto files = r.spec.value("files", nlohmann::json::array());
      for (size_t j = 0; j < files.size(); ++j) {
        const std::string content = files[j].value("content", "");
        if (!host_key_content(content))
          error(i, "/spec/files/" + std::to_string(j) + "/content",
                source + why + ": " + r.address() + " can deploy certificate, chain, fullchain, " +
                    "privateKey or combined from it, not " + content);
      }
    } else if (r.kind == "Secret") {
      const nlohmann::json value = r.spec.value("value", nlohmann::json::object());
      if (!value.is_object() || !value.contains("certificate")) continue;
      const std::string source = "Certificate/" + value.value("certificate", "");
      if (key_generated_on_host(config, source))
        error(i, "/spec/value/certificate",
              source + why + ": its key is never in the state, so " + r.address() +
                  " cannot bundle it; deploy it with a DeploymentTarget with spec.hosts");
    }
  }
}

Change host_key_plan(const Resource& certificate, const Config& config,
                     const RecordedResource* recorded) {
  std::vector<std::string> targets;
  for (const Resource& r : config.resources)
    if (r.kind == "DeploymentTarget" && r.spec.value("source", "") == certificate.address())
      targets.push_back(r.address() + " (hosts " + comma_joined(target_hosts(r)) + ")");
  Change c;
  c.reasons.push_back(targets.empty()
                          ? std::string(kIssuedToHosts) +
                                "DeploymentTarget that deploys it, on request: none does yet"
                          : std::string(kIssuedToHosts) + comma_joined(targets) +
                                " on request (keyform serve): the key is made on the host");
  c.reasons.push_back(
      "privateKey.generatedOn: host; apply makes no key and issues no certificate for it");
  if (recorded)
    c.reasons.push_back("the certificate recorded before generatedOn: host was set is kept");
  return c;
}

x509::LeafRequest certificate_leaf_request(const Resource& certificate, EVP_PKEY* key,
                                           const RecordedResource& issuer, UnixTime now) {
  const nlohmann::json& spec = certificate.spec;
  const std::string template_name = string_field(spec, "template", "EndEntityCertificate");
  const auto tmpl = x509::template_from_name(template_name);
  if (!tmpl) throw Error(certificate.address() + ": unknown template " + template_name);
  x509::LeafRequest req;
  req.tmpl = *tmpl;
  req.subject = subject_field(spec.value("subject", nlohmann::json::object()),
                              string_field(spec, "commonName", ""));
  req.dns_names = spec.value("dnsNames", std::vector<std::string>{});
  req.ip_addresses = spec.value("ipAddresses", std::vector<std::string>{});
  req.uris = spec.value("uris", std::vector<std::string>{});
  req.emails = spec.value("emails", std::vector<std::string>{});
  req.public_key = key;
  req.hash = x509::hash_from_name(string_field(spec, "signingHash", "sha256"))
                 .value_or(x509::Hash::kSha256);
  req.validity = {now, duration_field(spec, "validity", kDefaultValidity)};
  req.crl_distribution_point = issuer.attributes.value("crl_distribution_point", "");
  return req;
}

x509::CertPtr issue_with(const x509::LeafRequest& req, const RecordedResource& issuer,
                         Keyring& keyring) {
  x509::CertPtr issuer_cert =
      x509::certificate_from_pem(issuer.attributes.value("certificate_pem", ""));
  x509::PkeyPtr issuer_key = x509::private_key_from_pem(
      keyring.open(object_id(issuer, "privateKey"), private_key_context(issuer)));
  return x509::issue_certificate(req, issuer_cert.get(), issuer_key.get());
}

}  // namespace keyform::pki
