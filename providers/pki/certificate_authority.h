#pragma once
// The CertificateAuthority kind: roots, subordinates of a CA in the config,
// subordinates signed outside keyform (CSR, PENDING_CERTIFICATE, `ca
// install`) and imported CAs; see ca_hierarchy.h, ca_issue.h, ca_import.h.
//
// The CA's private key is sealed in the object store under
// "CertificateAuthority/<name>#privateKey@<public key digest>". Renewal keeps the key and
// re-signs the certificate, so every certificate it issued stays valid; a
// change of identity (subject, key algorithm, ...) replaces key and
// certificate, and its certificates follow.
#include <memory>

#include "providers/provider.h"

namespace keyform {

std::unique_ptr<Provider> make_certificate_authority_provider();

}  // namespace keyform
