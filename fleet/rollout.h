#pragma once
// Rollout limits of a DeploymentTarget with spec.hosts (docs/fleet.md,
// "Rollouts"), as Run Command's: of the hosts taking up a new version of the
// target, at most maxConcurrency deploy it at once, and once more than
// maxErrors of them failed it, no other host takes it up. A host holds a
// place from the pull serve lets through until it reports, or until the
// rollout's timeout passes; a place that timed out counts as a failure of
// that host (it pulled and went silent). A host that failed may try again,
// and its
// success counts its failure off: mending that host resumes the rollout, as
// does applying a new version.
//
// The decision reads the target's FleetInventory entry (where each host's
// place is recorded) and the FleetAgent entries (the enrolled hosts a
// percentage is of); serve takes a place under the state's exclusive lock,
// so replicas never hand out the same one.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "reconciler/config/resource.h"
#include "state/state.h"
#include "util/time.h"

namespace keyform::fleet {

inline constexpr Seconds kDefaultRolloutTimeout = 600;

struct RolloutLimits {
  // As configured: a count ("3") or a percentage ("10%"); empty when unset.
  std::string max_concurrency, max_errors;
  Seconds timeout = kDefaultRolloutTimeout;
};

// The target's spec.rollout; nullopt without one.
std::optional<RolloutLimits> rollout_limits(const Resource& target);

enum class RolloutVerdict {
  kGo,         // nothing to wait for (already deployed, holding a place, no concurrency limit)
  kTakePlace,  // may go, once its place is recorded
  kPaused,     // every place is taken: ask again shortly
  kHalted,     // too many hosts failed this version
};

struct RolloutDecision {
  RolloutVerdict verdict = RolloutVerdict::kGo;
  std::string message;  // for kPaused and kHalted: why, naming the hosts
};

// What `host` may do about `version` of `target` by the state at `now`.
RolloutDecision decide_rollout(const Resource& target, const RolloutLimits& limits,
                               const State& state, const std::string& host,
                               const std::string& version, UnixTime now);

// Records in `host_entry` (FleetInventory's attributes.hosts[host]) that the
// host holds a place for `version` until `until`; a report clears it.
void take_rollout_place(nlohmann::json& host_entry, const std::string& version, UnixTime until);
void clear_rollout_place(nlohmann::json& host_entry);

}  // namespace keyform::fleet
