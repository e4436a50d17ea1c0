#pragma once
// Time as whole seconds since the Unix epoch (UTC), durations in seconds, and
// the clock seam: everything that asks "what time is it" asks a Clock, so
// KEYFORM_NOW and tests can move it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keyform {

using UnixTime = int64_t;
using Seconds = int64_t;

// Parses RFC 3339 ("2027-06-01T00:00:00Z", "2027-06-01T02:00:00+02:00",
// fractional seconds ignored). Returns nullopt when malformed.
std::optional<UnixTime> parse_rfc3339(std::string_view s);
// Formats as "2027-06-01T00:00:00Z".
std::string format_rfc3339(UnixTime t);

// Durations: "45m", "12h", "90d", "1y" (365d), "30s", combined "1d12h".
// Returns nullopt when malformed or zero.
std::optional<Seconds> parse_duration(std::string_view s);
// The largest whole units, at most two: "12d", "1d12h", "45m", "0s".
std::string format_duration(Seconds s);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixTime now() const = 0;
};

class SystemClock : public Clock {
 public:
  UnixTime now() const override;
};

class FixedClock : public Clock {
 public:
  explicit FixedClock(UnixTime t) : t_(t) {}
  UnixTime now() const override { return t_; }
  void set(UnixTime t) { t_ = t; }

 private:
  UnixTime t_;
};

}  // namespace keyform
