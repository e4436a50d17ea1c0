#pragma once
// The agent's side of privateKey.generatedOn: host (docs/fleet.md): for a
// target whose certificate's key is made on the host, the agent keeps the
// key under DIR/keys/ (0700; NAME.key 0600, never sent anywhere) with the
// certificate serve issued for it (NAME.crt, NAME.chain.pem, NAME.json),
// asks for a new certificate with a CSR when it has none, when it no longer
// fits the spec, or when it is due for renewal, and renders the target's
// files from its own key and that certificate.
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "providers/deploy/deployment_target.h"
#include "util/time.h"

namespace keyform::fleet {

// Whether a GET /v1/targets/NAME body describes a host-key deployment.
bool is_host_key_deployment(const nlohmann::json& deployment);

struct HostKeyPull {
  nlohmann::json meta;              // target, source, version, serial, fingerprint, reload, verify
  std::vector<RenderedFile> files;  // as configured; paths not yet checked
};

// Sends {"csr": PEM} to POST /v1/targets/NAME/certificate and returns the
// 200 body; throws keyform::Error with the server's refusal.
using RequestCertificate = std::function<std::string(const std::string& body)>;

// Why a new certificate is needed at `now` ("" when the held one fits).
std::string host_certificate_due(const std::filesystem::path& dir, const nlohmann::json& deployment,
                                 UnixTime now);

// Makes or keeps the key, gets a new certificate when host_certificate_due
// says so (a new key unless privateKey.rotationPolicy is Never), and renders
// the files. `meta.version` is the certificate's fingerprint. Throws
// keyform::Error; a refusal leaves the held key and certificate as they were.
HostKeyPull pull_host_key_deployment(const std::filesystem::path& dir,
                                     const nlohmann::json& deployment,
                                     const RequestCertificate& request, UnixTime now,
                                     std::ostream& out);

}  // namespace keyform::fleet
