#pragma once
// Drift of a recorded certificate (a Certificate's or a CA's), shared by both
// providers' observe(): expiry, the renewal point, and whether the sealed
// private key still opens and matches the certificate.
#include "providers/pki/renewal.h"
#include "providers/provider.h"

namespace keyform::pki {

// MODIFIED when expired or past the renewal point (the detail is the
// renewal reason a plan would give), or when the private-key object is
// missing, fails authentication, or does not match the certificate. The key
// check needs ctx.keyring; without one it is NOT_CHECKED. The opened key is
// cleansed and never appears in a detail.
Observation observe_certificate(const RecordedResource& recorded, const RenewalPolicy& policy,
                                ObserveContext& ctx);

}  // namespace keyform::pki
