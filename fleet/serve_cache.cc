#include "fleet/serve_cache.h"

namespace keyform::fleet {

ServeCache::ServeCache(CacheSources sources, std::chrono::milliseconds digest_interval,
                       std::function<Clock::time_point()> clock)
    : sources_(std::move(sources)), digest_interval_(digest_interval), clock_(std::move(clock)) {}

ServeView ServeCache::view(Clock::time_point received) {
  std::lock_guard<std::mutex> hold(mu_);
  if (!loaded_ || checked_ < received) refresh(clock_());
  return view_;
}

void ServeCache::refresh(Clock::time_point now) {
  ++counters_.checks;
  // The tokens are taken before loading: a write between the two leaves a
  // token older than the data, so the next check loads again (never the
  // other way round).
  const std::string state_rev = sources_.state_revision();
  const std::string stamps = sources_.config_stamps();
  std::string digest = config_digest_;
  const bool digest_due = !loaded_ || now - digested_ >= digest_interval_ || stamps.empty();
  if (digest_due) digest = sources_.config_digest();

  ServeView next = view_;
  if (!loaded_ || state_rev.empty() || state_rev != state_revision_) {
    next.state = sources_.load_state();
    ++counters_.state_loads;
  }
  if (!loaded_ || stamps.empty() || stamps != config_stamps_ || digest != config_digest_) {
    auto config = std::make_shared<const Config>(sources_.load_config());
    next.policies = std::make_shared<const policy::PolicySet>(*config);
    next.config = std::move(config);
    ++counters_.config_loads;
  }
  view_ = std::move(next);
  state_revision_ = state_rev;
  config_stamps_ = stamps;
  config_digest_ = digest;
  if (digest_due) digested_ = now;
  checked_ = now;
  loaded_ = true;
}

ServeCache::Counters ServeCache::counters() const {
  std::lock_guard<std::mutex> hold(mu_);
  return counters_;
}

}  // namespace keyform::fleet
