#pragma once
// What keyform serve answers reads from: the state and the configuration as
// last loaded, reloaded only when they changed (docs/fleet.md, "Serving at
// fleet scale"). A read compares two cheap tokens before reusing them:
//
//  - the backend's revision() (the local files' inode, size and times; the
//    postgres head row's serial and write version): any write by any
//    process changes it;
//  - the configuration's file stamps (path, inode, size, mtime, ctime of
//    keyform.yaml and every config file), and at most once a
//    `digest_interval` a SHA-256 of their contents, which catches a rewrite
//    the stamps miss (same size within one timestamp tick).
//
// A comparison made after a request arrived answers for it: a write that
// committed before the request came is always seen. Writes (enrol, report)
// do not use the cache: they catch up under the exclusive lock
// (fleet_store.h), which is also what makes a reload here cost only what
// changed.
//
// Thread safety: every member may be called from any thread (one mutex).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "providers/policy/policy.h"
#include "reconciler/config/resource.h"
#include "state/state.h"

namespace keyform::fleet {

struct ServeView {
  std::shared_ptr<const State> state;
  std::shared_ptr<const Config> config;
  std::shared_ptr<const policy::PolicySet> policies;  // of config
};

struct CacheSources {
  std::function<std::string()> state_revision;               // "" : unknown, load every time
  std::function<std::shared_ptr<const State>()> load_state;  // FleetStore::current
  std::function<std::string()> config_stamps;                // cheap; "" : unknown
  std::function<std::string()> config_digest;                // reads the files
  std::function<Config()> load_config;
};

class ServeCache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ServeCache(CacheSources sources,
                      std::chrono::milliseconds digest_interval = std::chrono::seconds(1),
                      std::function<Clock::time_point()> clock = Clock::now);

  // The view for a request that arrived at `received`: the tokens are
  // compared again unless that was done after it arrived, and what changed
  // is loaded. Throws what loading throws (the previous view stays).
  ServeView view(Clock::time_point received);

  struct Counters {
    uint64_t checks = 0;        // token comparisons
    uint64_t state_loads = 0;   // load_state calls
    uint64_t config_loads = 0;  // load_config calls
  };
  Counters counters() const;

 private:
  void refresh(Clock::time_point now);

  CacheSources sources_;
  std::chrono::milliseconds digest_interval_;
  std::function<Clock::time_point()> clock_;
  mutable std::mutex mu_;
  ServeView view_;
  std::string state_revision_, config_stamps_, config_digest_;
  bool loaded_ = false;
  Clock::time_point checked_{}, digested_{};
  Counters counters_;
};

}  // namespace keyform::fleet
