#pragma once
// The plan: desired (config) vs recorded (state) under a clock, as a list of
// actions, each with its reasons. Pure: reads nothing but its arguments.
#include <map>
#include <string>
#include <vector>

#include "providers/action.h"
#include "providers/provider.h"
#include "reconciler/config/resource.h"
#include "state/state.h"
#include "util/time.h"

namespace keyform {

class Graph;

inline constexpr int kPlanFormatVersion = 1;

struct PlanOptions {
  UnixTime now = 0;
  // --target: plan only these addresses and what they depend on.
  std::vector<std::string> targets;
  // --replace: force replacement (re-issue, redeploy) of these addresses.
  std::vector<std::string> replace;
  // What observe() found, by address (apply observes DeploymentTargets
  // first). A DeploymentTarget whose diff is a no-op but that was observed
  // MODIFIED or DELETED is planned as `repair`, with the drift as reasons.
  // Null: nothing observed (a plan reads only its arguments).
  const std::map<std::string, Observation>* observed = nullptr;
};

struct Plan {
  std::string lineage;
  uint64_t serial = 0;  // the state serial the plan was made from
  UnixTime now = 0;
  // Every planned address, no-ops included: config resources in dependency
  // order, then deletions (dependents before what they depend on).
  std::vector<Action> actions;
  // Reasons the plan cannot be applied (e.g. deleting a protected resource).
  std::vector<std::string> errors;

  bool has_changes() const;
  // "create" -> 2, ... for the summary line; no-ops excluded.
  std::map<ActionType, size_t> counts() const;
  const Action* find(const std::string& address) const;
};

// Throws keyform::Error when a --target or --replace address is unknown.
Plan make_plan(const Config& config, const State& state, const Graph& graph,
               const ProviderRegistry& providers, const PlanOptions& options);

// An action's id: stable for a state (lineage, serial), address and type.
std::string plan_action_id(const std::string& lineage, uint64_t serial, const std::string& address,
                           ActionType type);

// The fields whose digests differ: "spec.dnsNames", "tags", ...
std::vector<std::string> changed_fields(const Resource& desired, const RecordedResource& recorded);

}  // namespace keyform
