#pragma once
// The TrustBundle kind: the certificates clients should trust for a set of
// CAs, so a CA can be replaced without breaking them.
//
// The bundle holds, per authority in the order written, the CA's current
// certificate and then its previous ones (newest first) while they are
// still valid. A client that trusts the bundle verifies certificates of
// both the old and the new CA key through a rotation's overlap.
//
// Recorded attributes (a contract DeploymentTarget reads):
//   pem           the certificates, concatenated PEM, in the order above
//   certificates  [{authority, fingerprint, not_after, not_after_unix}]
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "providers/provider.h"

namespace keyform {

std::unique_ptr<Provider> make_trust_bundle_provider();

namespace pki {

struct BundleCertificate {
  std::string authority;  // "CertificateAuthority/root"
  std::string fingerprint;
  UnixTime not_after = 0;
  std::string pem;
};

// The bundle for CA entries at `now`: each entry's current certificate,
// then its still-valid previous_certificates, newest first. A missing
// entry (nullptr) contributes nothing.
std::vector<BundleCertificate> bundle_certificates(
    const std::vector<std::pair<std::string, const RecordedResource*>>& authorities, UnixTime now);

}  // namespace pki

}  // namespace keyform
