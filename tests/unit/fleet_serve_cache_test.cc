#include <gtest/gtest.h>

#include <stdexcept>

#include "fleet/serve_cache.h"

namespace keyform::fleet {
namespace {

using Clock = ServeCache::Clock;
using std::chrono::milliseconds;

// Sources whose tokens the test moves by hand; each load says which one it was.
struct FakeSources {
  std::string state_revision = "s1", stamps = "c1", digest = "d1";
  uint64_t serial = 1;
  bool config_broken = false;
  Clock::time_point now = Clock::time_point() + std::chrono::hours(1);

  CacheSources sources() {
    return {[this] { return state_revision; },
            [this] {
              auto s = std::make_shared<State>();
              s->serial = serial;
              return std::shared_ptr<const State>(std::move(s));
            },
            [this] { return stamps; }, [this] { return digest; },
            [this] {
              if (config_broken) throw std::runtime_error("keyform.yaml:3: broken");
              Config c;
              c.project.account = digest;
              return c;
            }};
  }
  ServeCache cache() {
    return ServeCache(sources(), std::chrono::seconds(1), [this] { return now; });
  }
  // A request arriving a moment later.
  Clock::time_point request() {
    now += milliseconds(10);
    return now - milliseconds(1);
  }
};

TEST(ServeCache, NothingChangedMeansNothingIsLoadedAgain) {
  FakeSources f;
  ServeCache cache = f.cache();
  ServeView first = cache.view(f.request());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(cache.view(f.request()).state, first.state);
  EXPECT_EQ(cache.counters().state_loads, 1u);
  EXPECT_EQ(cache.counters().config_loads, 1u);
  EXPECT_EQ(cache.counters().checks, 6u);
}

TEST(ServeCache, ARequestAnsweredByAnEarlierCheckDoesNotCheckAgain) {
  FakeSources f;
  ServeCache cache = f.cache();
  const Clock::time_point before = f.request();
  cache.view(before);
  f.state_revision = "s2";
  // Arrived before the check above: that check answers for it.
  cache.view(before);
  EXPECT_EQ(cache.counters().checks, 1u);
  // Arrived after the write: it sees it.
  f.serial = 2;
  EXPECT_EQ(cache.view(f.request()).state->serial, 2u);
}

TEST(ServeCache, AStateWriteReloadsTheStateOnly) {
  FakeSources f;
  ServeCache cache = f.cache();
  ServeView a = cache.view(f.request());
  f.state_revision = "s2";
  f.serial = 2;
  ServeView b = cache.view(f.request());
  EXPECT_EQ(b.state->serial, 2u);
  EXPECT_EQ(b.config, a.config);
  EXPECT_EQ(cache.counters().state_loads, 2u);
  EXPECT_EQ(cache.counters().config_loads, 1u);
}

TEST(ServeCache, ChangedStampsReloadTheConfigAtOnce) {
  FakeSources f;
  ServeCache cache = f.cache();
  ServeView a = cache.view(f.request());
  f.stamps = "c2";
  f.digest = "d2";
  ServeView b = cache.view(f.request());
  EXPECT_NE(b.config, a.config);
  EXPECT_EQ(b.config->project.account, "d2");
  EXPECT_NE(b.policies, a.policies);
  EXPECT_EQ(b.state, a.state);
}

TEST(ServeCache, ARewriteTheStampsMissIsCaughtByTheDigestWithinASecond) {
  FakeSources f;
  ServeCache cache = f.cache();
  cache.view(f.request());
  f.digest = "d2";  // same stamps
  EXPECT_EQ(cache.view(f.request()).config->project.account, "d1")
      << "digested at most once a second";
  f.now += std::chrono::seconds(1);
  EXPECT_EQ(cache.view(f.request()).config->project.account, "d2");
}

TEST(ServeCache, UnknownTokensMeanLoadingAtEveryCheck) {
  FakeSources f;
  f.state_revision = "";
  f.stamps = "";
  ServeCache cache = f.cache();
  cache.view(f.request());
  cache.view(f.request());
  EXPECT_EQ(cache.counters().state_loads, 2u);
  EXPECT_EQ(cache.counters().config_loads, 2u);
}

TEST(ServeCache, AFailedLoadKeepsThePreviousViewAndIsTriedAgain) {
  FakeSources f;
  ServeCache cache = f.cache();
  ServeView a = cache.view(f.request());
  f.stamps = "c2";
  f.config_broken = true;
  EXPECT_THROW(cache.view(f.request()), std::runtime_error);
  f.config_broken = false;
  f.digest = "d3";
  EXPECT_EQ(cache.view(f.request()).config->project.account, "d3");
}

}  // namespace
}  // namespace keyform::fleet
