#include "providers/pki/renewal.h"

namespace keyform {

namespace {

Seconds renew_before(Seconds lifetime, const RenewalPolicy& p) {
  if (p.renew_before) return *p.renew_before;
  if (p.renew_before_percentage) return lifetime * *p.renew_before_percentage / 100;
  return lifetime / 3;
}

}  // namespace

UnixTime renewal_time(UnixTime not_before, UnixTime not_after, const RenewalPolicy& policy) {
  return not_after - renew_before(not_after - not_before, policy);
}

std::optional<std::string> renewal_reason(UnixTime not_before, UnixTime not_after,
                                          const RenewalPolicy& policy, UnixTime now) {
  // Issued under a later clock (a KEYFORM_NOW rehearsal): relying parties
  // refuse it until then, so it is due now. Five minutes absorb clock skew.
  if (not_before > now + 5 * 60)
    return "not valid until " + format_rfc3339(not_before) + " (notBefore is " +
           format_duration(not_before - now) + " ahead: issued under a later KEYFORM_NOW?)";
  if (now >= not_after) return "expired " + format_duration(now - not_after) + " ago";
  if (now < renewal_time(not_before, not_after, policy)) return std::nullopt;
  std::string reason = "expires in " + format_duration(not_after - now) + ", ";
  if (policy.renew_before) return reason + "renewBefore " + format_duration(*policy.renew_before);
  int percent = policy.renew_before_percentage.value_or(33);
  return reason + "renewal at " + std::to_string(percent) + "% of a " +
         format_duration(not_after - not_before) + " lifetime";
}

}  // namespace keyform
