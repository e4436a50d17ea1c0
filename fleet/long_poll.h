#pragma once
// The long-poll of GET /v1/targets (docs/fleet.md): the agent sends the
// `revision` of the list it acted on (`since=`) and how long it may wait
// (`wait=` seconds, default 30, at most 60); serve answers at once when the
// host's revision differs, else parks the request until a change of the
// state or the configuration makes it differ, or answers 304 when the wait
// ran out.
//
// A host's revision digests, per assigned target, whether its principal may
// deploy it (and the refusal), and the version it would be sent: a renewal,
// a rotation, a policy change or a target (un)assigned each change it; an
// unrelated write (another host's report) does not.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "fleet/identity.h"
#include "providers/policy/policy.h"
#include "reconciler/config/resource.h"
#include "state/state.h"

namespace keyform::fleet {

inline constexpr std::chrono::seconds kDefaultPollWait{30};
inline constexpr std::chrono::seconds kMaxPollWait{60};

struct PollParams {
  std::optional<std::string> since;  // none: answer at once
  std::chrono::seconds wait = kDefaultPollWait;
};

// The query of `target` ("/v1/targets?since=r-1f&wait=50"). Throws ApiError
// 400 invalid_field for a malformed since or wait (wait above 60 is 60).
PollParams parse_poll_params(std::string_view target);

// Why `principal` may not deploy `target` ("" when it may): the target's own
// `principal`, then the ResourcePolicies as access analysis asks them.
std::string target_refusal(const Config& config, const policy::PolicySet& policies,
                           const Resource& target, const std::string& principal);

struct HostTargets {
  nlohmann::json targets = nlohmann::json::array();  // {target, name[, version]}
  std::string revision;                              // "r-<16 hex>"
};

// The DeploymentTargets of `who.host`; `version` only where the principal
// may deploy the target and its source is in the state.
HostTargets host_targets(const Config& config, const policy::PolicySet& policies,
                         const State& state, const AgentIdentity& who);

}  // namespace keyform::fleet
