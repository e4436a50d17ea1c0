#pragma once
// When a certificate is due for renewal, and the reason a plan gives. Pure.
#include <optional>
#include <string>

#include "util/time.h"

namespace keyform {

// How long before notAfter to renew. At most one is set; with neither,
// renewal comes a third of the lifetime before notAfter (at two thirds).
struct RenewalPolicy {
  std::optional<Seconds> renew_before;
  std::optional<int> renew_before_percentage;  // of the lifetime, 1..99
};

UnixTime renewal_time(UnixTime not_before, UnixTime not_after, const RenewalPolicy& policy);

// nullopt while not due at `now`; else why: "expires in 12d, renewBefore
// 30d", "expires in 20d, renewal at 33% of a 90d lifetime", "expired 3d ago",
// "not valid until 2027-12-01T00:00:00Z (notBefore is 359d ahead: …)".
std::optional<std::string> renewal_reason(UnixTime not_before, UnixTime not_after,
                                          const RenewalPolicy& policy, UnixTime now);

}  // namespace keyform
