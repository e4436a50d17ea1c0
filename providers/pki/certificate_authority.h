#pragma once
// The CertificateAuthority kind (root CAs; subordinates are a later issue).
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
