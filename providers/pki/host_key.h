#pragma once
// privateKey.generatedOn: host (docs/fleet.md): a Certificate whose key is
// made by the agent of each host that deploys it and never leaves that host.
// apply makes no key and issues no certificate for it; keyform serve issues
// each host its own certificate, for the key of the host's request, with
// the subject, names, usage and validity the spec says.
#include <string>
#include <string_view>

#include "providers/pki/x509.h"
#include "providers/provider.h"
#include "state/keyring.h"

namespace keyform::pki {

// The first reason of the no-op plan gives such a certificate.
inline constexpr std::string_view kIssuedToHosts = "issued to each host of ";

bool key_generated_on_host(const nlohmann::json& certificate_spec);
// Whether `address` is a Certificate of `config` whose key is made on hosts.
bool key_generated_on_host(const Config& config, const std::string& address);

// The contents an agent writes from its own key and certificate:
// certificate, chain, fullchain, privateKey and combined.
bool host_key_content(const std::string& content);

// Such a certificate is deployed only by DeploymentTargets with spec.hosts,
// of contents an agent can write, and bundled by no Secret: each error is
// reported on the resource that uses it and names both.
void validate_host_key_users(const Config& config, const ConfigDiagnosticSink& error);

// The no-op plan of such a certificate, naming the targets whose hosts it
// is issued to.
Change host_key_plan(const Resource& certificate, const Config& config,
                     const RecordedResource* recorded);

// The leaf `certificate`'s spec asks for (template, subject, names, hash,
// validity from `now`, the issuer's CRL distribution point), for `key`.
// Throws keyform::Error naming `certificate` for an unknown template.
x509::LeafRequest certificate_leaf_request(const Resource& certificate, EVP_PKEY* key,
                                           const RecordedResource& issuer, UnixTime now);

// `req` signed by the recorded CA `issuer`, whose key `keyring` opens.
x509::CertPtr issue_with(const x509::LeafRequest& req, const RecordedResource& issuer,
                         Keyring& keyring);

}  // namespace keyform::pki
