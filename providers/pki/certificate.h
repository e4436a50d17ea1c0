#pragma once
// The Certificate kind: a leaf certificate signed by a CertificateAuthority.
//
// Its private key is sealed under "Certificate/<name>#privateKey@<public key
// digest>" (private_key_context in provider.h) as PEM in
// the requested encoding. Any change to what the certificate says replaces
// it; time renews it (with a new key, unless privateKey.rotationPolicy is
// Never); a replaced issuer replaces it.
#include <memory>

#include "providers/provider.h"

namespace keyform {

std::unique_ptr<Provider> make_certificate_provider();

}  // namespace keyform
