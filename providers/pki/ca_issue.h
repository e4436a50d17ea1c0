#pragma once
// Making a CA's key and certificate for create, replace and renew, whatever
// its place: a self-signed root, a subordinate signed by its parent's key, a
// CA with an external parent (a CSR, and PENDING_CERTIFICATE until `keyform
// ca install`), or an imported CA (its files, read once).
#include <nlohmann/json.hpp>
#include <string>

#include "providers/pki/x509.h"
#include "providers/provider.h"

namespace keyform::pki {

struct CaMaterial {
  x509::PkeyPtr key;
  bool new_key = true;  // false on renew: the sealed key signs again
  // The CA certificate; null while PENDING_CERTIFICATE.
  x509::CertPtr cert;
  // The attributes to record: certificate_attributes() (or, while pending,
  // public_key_sha256 and csr_pem), subject, status, issuer and
  // issuer_public_key_sha256 for a subordinate, external_chain_pem for a CA
  // whose parent is outside keyform, imported.
  nlohmann::json attributes;
};

// ctx.action.type is create, replace or renew. Throws keyform::Error.
CaMaterial make_ca_material(ApplyContext& ctx, x509::Hash self_signing_hash,
                            Seconds default_validity);

}  // namespace keyform::pki
