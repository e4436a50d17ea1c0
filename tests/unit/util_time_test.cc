#include <gtest/gtest.h>

#include "util/time.h"

namespace keyform {
namespace {

TEST(Rfc3339, ParsesUtc) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2027-06-01T00:00:00Z"), 1811808000);
  EXPECT_EQ(parse_rfc3339("2000-02-29T12:34:56z"), 951827696);
}

TEST(Rfc3339, AppliesOffsets) {
  EXPECT_EQ(parse_rfc3339("2027-06-01T02:00:00+02:00"), parse_rfc3339("2027-06-01T00:00:00Z"));
  EXPECT_EQ(parse_rfc3339("2027-05-31T19:30:00-04:30"), parse_rfc3339("2027-06-01T00:00:00Z"));
}

TEST(Rfc3339, IgnoresFractionalSeconds) {
  EXPECT_EQ(parse_rfc3339("2027-06-01T00:00:00.123456Z"), parse_rfc3339("2027-06-01T00:00:00Z"));
}

TEST(Rfc3339, BeforeTheEpoch) {
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59Z"), -1);
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59Z");
}

TEST(Rfc3339, RejectsMalformed) {
  for (const char* s :
       {"", "2027-06-01", "2027-06-01T00:00:00", "2027-13-01T00:00:00Z", "2027-06-01T24:00:00Z",
        "2027-06-01T00:00:00+0200", "2027-06-01T00:00:00Zjunk", "2027-06-01T00:00:00.Z",
        "27-06-01T00:00:00Z", "2027/06/01T00:00:00Z"})
    EXPECT_FALSE(parse_rfc3339(s).has_value()) << s;
}

TEST(Rfc3339, FormatRoundTrips) {
  for (UnixTime t : {UnixTime{0}, UnixTime{951782400}, UnixTime{1811808000}, UnixTime{4102444799},
                     UnixTime{1234567890}}) {
    std::string s = format_rfc3339(t);
    EXPECT_EQ(parse_rfc3339(s), t) << s;
  }
  EXPECT_EQ(format_rfc3339(1811808000), "2027-06-01T00:00:00Z");
  // An offset time comes back in UTC.
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2027-06-01T02:00:00+02:00")), "2027-06-01T00:00:00Z");
}

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration("30s"), 30);
  EXPECT_EQ(parse_duration("45m"), 45 * 60);
  EXPECT_EQ(parse_duration("12h"), 12 * 3600);
  EXPECT_EQ(parse_duration("90d"), 90 * 86400);
  EXPECT_EQ(parse_duration("1y"), 365 * 86400);
}

TEST(Duration, ParsesCombinations) {
  EXPECT_EQ(parse_duration("1d12h"), 86400 + 12 * 3600);
  EXPECT_EQ(parse_duration("1y30d"), 395 * 86400);
  EXPECT_EQ(parse_duration("1h30m15s"), 3600 + 1800 + 15);
}

TEST(Duration, RejectsMalformed) {
  for (const char* s : {"", "d", "90", "90 d", "ninety days", "1.5d", "-1d", "1w", "0d", "0s",
                        "1d ", "9999999999d"})
    EXPECT_FALSE(parse_duration(s).has_value()) << s;
}

TEST(Duration, Formats) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(45 * 60), "45m");
  EXPECT_EQ(format_duration(12 * 86400), "12d");
  EXPECT_EQ(format_duration(86400 + 12 * 3600), "1d12h");
  EXPECT_EQ(format_duration(86400 + 5), "1d");  // two adjacent units at most
  EXPECT_EQ(format_duration(-3600), "-1h");
  EXPECT_EQ(parse_duration(format_duration(86400 + 12 * 3600)), 86400 + 12 * 3600);
}

TEST(Clock, FixedClockMoves) {
  FixedClock c(100);
  EXPECT_EQ(c.now(), 100);
  c.set(200);
  EXPECT_EQ(c.now(), 200);
  EXPECT_GT(SystemClock().now(), *parse_rfc3339("2024-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace keyform
