#include <gtest/gtest.h>

#include "providers/pki/renewal.h"

namespace keyform {
namespace {

constexpr Seconds kDay = 86400;
constexpr UnixTime kIssued = 1798761600;  // 2027-01-01T00:00:00Z
constexpr UnixTime kExpires = kIssued + 90 * kDay;

TEST(Renewal, DefaultIsAThirdOfTheLifetimeBeforeExpiry) {
  EXPECT_EQ(renewal_time(kIssued, kExpires, {}), kIssued + 60 * kDay);
  EXPECT_EQ(renewal_reason(kIssued, kExpires, {}, kIssued + 60 * kDay - 1), std::nullopt);
  EXPECT_EQ(renewal_reason(kIssued, kExpires, {}, kIssued + 60 * kDay),
            "expires in 30d, renewal at 33% of a 90d lifetime");
  EXPECT_EQ(renewal_reason(kIssued, kExpires, {}, kIssued + 70 * kDay),
            "expires in 20d, renewal at 33% of a 90d lifetime");
}

TEST(Renewal, RenewBefore) {
  RenewalPolicy p;
  p.renew_before = 30 * kDay;
  EXPECT_EQ(renewal_time(kIssued, kExpires, p), kExpires - 30 * kDay);
  EXPECT_EQ(renewal_reason(kIssued, kExpires, p, kExpires - 31 * kDay), std::nullopt);
  EXPECT_EQ(renewal_reason(kIssued, kExpires, p, kExpires - 12 * kDay),
            "expires in 12d, renewBefore 30d");
}

TEST(Renewal, Percentage) {
  RenewalPolicy p;
  p.renew_before_percentage = 10;
  EXPECT_EQ(renewal_time(kIssued, kExpires, p), kExpires - 9 * kDay);
  EXPECT_EQ(renewal_reason(kIssued, kExpires, p, kExpires - 10 * kDay), std::nullopt);
  EXPECT_EQ(renewal_reason(kIssued, kExpires, p, kExpires - 5 * kDay - 12 * 3600),
            "expires in 5d12h, renewal at 10% of a 90d lifetime");
}

TEST(Renewal, Expired) {
  EXPECT_EQ(renewal_reason(kIssued, kExpires, {}, kExpires + 3 * kDay), "expired 3d ago");
  RenewalPolicy p;
  p.renew_before = kDay;
  EXPECT_EQ(renewal_reason(kIssued, kExpires, p, kExpires), "expired 0s ago");
}

TEST(Renewal, NotYetValidIsDueWithinFiveMinutesOfSkew) {
  EXPECT_EQ(renewal_reason(kIssued, kExpires, {}, kIssued - 5 * 60), std::nullopt);
  EXPECT_EQ(renewal_reason(kIssued, kExpires, {}, kIssued - 365 * kDay),
            "not valid until 2027-01-01T00:00:00Z (notBefore is 365d ahead: issued under a later "
            "KEYFORM_NOW?)");
}

}  // namespace
}  // namespace keyform
