#pragma once
// The agent's side of identity renewal (docs/fleet.md, "Identity
// lifecycle"). Each pass of keyform agent run asks whether its certificate
// is due: at two thirds of its lifetime (counted from issuance, not from the
// backdated notBefore), less a jitter of up to a tenth of it drawn from the
// serial (so a fleet enrolled at once does not renew at once, and the time
// is the same on every pass), or at once when serve says it expired. It then
// makes a new key, sends a CSR to POST /v1/renew with its current
// certificate, and installs the new pair.
//
// The time is the host's clock (KEYFORM_NOW overrides it, as for the other
// commands). When serve's clock (server_time of GET /v1/targets) differs
// from it by more than kClockMargin the agent says so and judges by serve's.
#include <filesystem>
#include <ostream>

#include "fleet/agent_credentials.h"
#include "fleet/enrollment.h"
#include "util/time.h"

namespace keyform::fleet {

// The clock difference the agent tolerates: what certificates are backdated.
inline constexpr Seconds kClockMargin = kIdentityBackdate;

struct RenewalSchedule {
  UnixTime issued = 0;     // notBefore plus the backdate
  UnixTime not_after = 0;  // expiry
  UnixTime renew_at = 0;   // when the agent renews
};
RenewalSchedule renewal_schedule(X509* cert);

// KEYFORM_NOW when set (RFC 3339), else the system clock.
UnixTime agent_clock();

// After the pass's GET /v1/targets (`listed`): renews when due and returns
// true when the identity in `dir` changed (load it again). A refusal that
// renewing cannot cure (403 must_reenroll, agent_revoked, unknown_agent)
// throws keyform::Error saying how to enrol again; another failure is
// reported on `err` and the next pass tries again.
bool renew_identity_if_due(const std::filesystem::path& dir, const AgentCredentials& id,
                           const HttpsResult& listed, std::ostream& out, std::ostream& err);

}  // namespace keyform::fleet
