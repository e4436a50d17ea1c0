#pragma once
// Renewal of an agent's identity certificate (docs/fleet.md, "Identity
// lifecycle"). The agent makes a new key and sends a CSR to POST /v1/renew
// over mutual TLS with its current certificate; serve issues the new one
// under the exclusive state lock and records it as the host's newest in
// FleetAgent/<host>, the serials it replaces in `previous_serials` (the
// lineage). The old certificate is superseded from then on.
//
// A certificate is judged with serve's clock (KEYFORM_NOW applies): outside
// its validity it is refused on every endpoint, except that an expired one
// may still renew for spec.fleet.renewalGrace after it expired, when it is
// the newest of its host. Beyond that, or with an older certificate, the
// answer is 403 must_reenroll: enrol the host again with a new token. The
// certificate a renewal replaced may renew again until the new one is first
// presented (the renewal's answer was lost): `unconfirmed_previous` in
// FleetAgent/<host>, cleared by the first request with the new one.
#include <functional>
#include <optional>

#include "fleet/api_request.h"
#include "fleet/fleet_service.h"
#include "util/time.h"

namespace keyform::fleet {

inline constexpr Seconds kDefaultRenewalGrace = 7 * 86400;

// spec.fleet.renewalGrace of `config` (7d by default).
Seconds renewal_grace(const Config& config);

// For every endpoint but /v1/renew: throws ApiError 403 identity_expired
// (renew it: within the grace), must_reenroll (beyond it) or
// identity_not_yet_valid (the clocks disagree) when `peer`'s certificate is
// outside its validity at `now`. `grace` is asked only then.
void refuse_out_of_validity(const std::optional<Peer>& peer, UnixTime now,
                            const std::function<Seconds()>& grace);

// POST /v1/renew: body {"csr": PEM}. 200 with the new certificate (the shape
// of /v1/enroll's answer, plus "previous_serial"); audited as
// fleet:RenewIdentity.
ApiResponse renew_identity(ServiceEnvironment& env, FleetStore& store, const ApiRequest& request);

}  // namespace keyform::fleet
