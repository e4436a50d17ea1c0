#pragma once
// `keyform ca install`: activating a CA whose parent is outside keyform with
// the certificate that parent signed for its CSR.
#include <string_view>

#include "state/state.h"
#include "util/time.h"

namespace keyform::pki {

// The recorded entry after installing `cert_pem` (and the chain above it,
// `chain_pem`, possibly empty) on `ca`. Refuses, with a message naming what
// is wrong, a CA without an external parent, a certificate that is not for
// the CA's key, is not a CA certificate, is not valid at `now`, or is not
// signed by the chain's first certificate. Works again later to install a
// renewed certificate for the same key.
RecordedResource install_ca_certificate(const RecordedResource& ca, std::string_view cert_pem,
                                        std::string_view chain_pem, UnixTime now);

}  // namespace keyform::pki
