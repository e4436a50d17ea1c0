#include "reconciler/plan.h"

#include <algorithm>
#include <functional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "reconciler/graph.h"
#include "reconciler/pki_plan.h"
#include "state/fleet_records.h"
#include "util/encoding.h"
#include "util/error.h"

namespace keyform {

bool Plan::has_changes() const {
  return std::any_of(actions.begin(), actions.end(),
                     [](const Action& a) { return a.type != ActionType::kNoOp; });
}

std::map<ActionType, size_t> Plan::counts() const {
  std::map<ActionType, size_t> out;
  for (const Action& a : actions)
    if (a.type != ActionType::kNoOp) ++out[a.type];
  return out;
}

const Action* Plan::find(const std::string& address) const {
  for (const Action& a : actions)
    if (a.address == address) return &a;
  return nullptr;
}

std::vector<std::string> changed_fields(const Resource& desired, const RecordedResource& recorded) {
  std::string whole;
  digest_resource(desired, &whole, nullptr);
  std::vector<std::string> out;
  if (whole == recorded.spec_digest) return out;
  std::map<std::string, std::string> fields;
  digest_resource(desired, nullptr, &fields);
  for (const auto& [name, digest] : fields) {
    auto it = recorded.field_digests.find(name);
    if (it == recorded.field_digests.end() || it->second != digest) out.push_back(name);
  }
  for (const auto& [name, digest] : recorded.field_digests)
    if (!fields.count(name)) out.push_back(name);  // a field that was removed
  std::sort(out.begin(), out.end());
  return out;
}

std::string plan_action_id(const std::string& lineage, uint64_t serial, const std::string& address,
                           ActionType type) {
  return sha256_hex(lineage + "\n" + std::to_string(serial) + "\n" + address + "\n" +
                    std::string(action_name(type)))
      .substr(0, 16);
}

namespace {

// Only deployed files are repaired from drift: a certificate's expiry is
// already planned as renew by its own diff. A target with hosts is written
// by its agents: the drift of its hosts is theirs to mend, not apply's.
void repair_drift(const Resource& desired, const std::map<std::string, Observation>* observed,
                  Change* change) {
  if (!observed || desired.kind != "DeploymentTarget" || desired.spec.contains("hosts")) return;
  auto it = observed->find(desired.address());
  if (it == observed->end() || !it->second.drifted()) return;
  change->type = ActionType::kRepair;
  change->reasons = it->second.details;
  if (change->reasons.empty()) change->reasons.push_back("drift was observed");
}

// A change that needs a waiting dependency's output waits too, and says
// for what; an unchanged resource keeps what it has and does not wait.
void wait_for_dependencies(const std::vector<std::string>& dependencies,
                           const std::function<const Action*(const std::string&)>& planned,
                           const std::map<std::string, std::string>& pending_reasons, Action* a) {
  if (a->type == ActionType::kNoOp) return;
  for (const std::string& dep : dependencies) {
    const Action* d = planned(dep);
    if (!d || !(d->waiting || d->pending_outputs)) continue;
    if (d->pending_outputs) {
      auto it = pending_reasons.find(dep);
      const std::string why = it == pending_reasons.end() ? "" : it->second;
      if (!a->reasons.empty())
        a->reasons.front() =
            "would " + std::string(action_name(a->type)) + ": " + a->reasons.front();
      a->reasons.insert(a->reasons.begin(), "waits for " + dep + ": " + why);
      a->type = ActionType::kNoOp;
      a->waiting = true;
      return;
    }
    if (!a->reasons.empty())
      a->reasons.front() = "would " + std::string(action_name(a->type)) + ": " + a->reasons.front();
    a->reasons.insert(a->reasons.begin(),
                      "waits for " + dep + ", which " +
                          (d->reasons.empty() ? std::string("waits") : d->reasons.front()));
    a->type = ActionType::kNoOp;
    a->waiting = true;
    return;
  }
}

void check_known(const std::vector<std::string>& addresses, const Config& config,
                 const State& state, const char* flag) {
  for (const std::string& a : addresses)
    if (!config.find(a) && !state.find(a))
      throw Error(std::string(flag) + " " + a +
                  ": no such resource in the configuration or the state");
}

}  // namespace

Plan make_plan(const Config& config, const State& state, const Graph& graph,
               const ProviderRegistry& providers, const PlanOptions& options) {
  check_known(options.targets, config, state, "--target");
  check_known(options.replace, config, state, "--replace");
  Plan plan;
  plan.lineage = state.lineage;
  plan.serial = state.serial;
  plan.now = options.now;

  // With --target, only the targets and what they depend on are planned.
  std::unordered_set<std::string> in_scope;
  const bool targeted = !options.targets.empty();
  if (targeted) {
    for (const std::string& t : options.targets) {
      in_scope.insert(t);
      for (const std::string& d : graph.transitive_dependencies(t)) in_scope.insert(d);
    }
  }
  const std::set<std::string> replace(options.replace.begin(), options.replace.end());

  std::unordered_map<std::string, size_t> index;       // address -> position in plan.actions
  std::map<std::string, std::string> pending_reasons;  // Change::pending_reason by address
  auto planned = [&](const std::string& address) -> const Action* {
    auto it = index.find(address);
    return it == index.end() ? nullptr : &plan.actions[it->second];
  };

  plan.actions.reserve(config.resources.size());
  for (const std::string& address : graph.topological_order()) {
    const Resource* desired = config.find(address);
    if (!desired || (targeted && !in_scope.count(address))) continue;
    const Provider* provider = providers.find(desired->kind);
    if (!provider) throw Error("no provider for kind " + desired->kind);
    const RecordedResource* recorded = state.find(address);
    DiffInput in{*desired, recorded, {},    options.now, replace.count(address) > 0,
                 planned,  state,    config};
    if (recorded) in.changed_fields = changed_fields(*desired, *recorded);
    Change change = provider->diff(in);
    if (change.type == ActionType::kNoOp) repair_drift(*desired, options.observed, &change);
    Action a;
    a.address = address;
    a.type = change.type;
    a.reasons = std::move(change.reasons);
    a.waiting = change.waiting;
    a.pending_outputs = change.pending_outputs;
    if (a.pending_outputs) pending_reasons[address] = change.pending_reason;
    wait_for_dependencies(graph.dependencies(address), planned, pending_reasons, &a);
    a.id = plan_action_id(state.lineage, state.serial, address, a.type);
    // Wait for the nearest changing action on every dependency path: a no-op
    // in between passes its own predecessors on.
    std::set<std::string> after;
    for (const std::string& dep : graph.dependencies(address)) {
      const Action* d = planned(dep);
      if (!d) continue;
      if (d->type != ActionType::kNoOp)
        after.insert(dep);
      else
        after.insert(d->after.begin(), d->after.end());
    }
    a.after.assign(after.begin(), after.end());
    index[address] = plan.actions.size();
    plan.actions.push_back(std::move(a));
  }

  // Deletions: recorded but no longer in the config. A deletion waits for
  // every action on an address that recorded it as a dependency, so
  // dependents go first.
  std::vector<const RecordedResource*> gone;
  for (const auto& [address, rec] : state.resources) {
    if (config.find(address) || is_fleet_record(rec.kind)) continue;
    if (targeted && !std::count(options.targets.begin(), options.targets.end(), address)) continue;
    gone.push_back(&rec);
  }
  if (!gone.empty()) {
    std::unordered_map<std::string, std::vector<std::string>> dependents;
    for (const auto& [address, rec] : state.resources)
      for (const std::string& dep : rec.dependencies) dependents[dep].push_back(address);
    std::unordered_set<std::string> deleting;
    for (const RecordedResource* rec : gone) deleting.insert(rec->address());
    // Order: dependents before dependencies (reverse topological by depth).
    std::unordered_map<std::string, int> depth;
    std::function<int(const std::string&)> height = [&](const std::string& a) -> int {
      auto it = depth.find(a);
      if (it != depth.end()) return it->second;
      depth[a] = 0;  // guards against a (corrupt) cycle in recorded dependencies
      int h = 0;
      for (const std::string& d : dependents[a])
        if (deleting.count(d)) h = std::max(h, height(d) + 1);
      return depth[a] = h;
    };
    std::sort(gone.begin(), gone.end(), [&](const RecordedResource* x, const RecordedResource* y) {
      int hx = height(x->address()), hy = height(y->address());
      return hx != hy ? hx < hy : x->address() < y->address();
    });
    for (const RecordedResource* rec : gone) {
      const std::string address = rec->address();
      const Provider* provider = providers.find(rec->kind);
      // Kinds with a deletion window schedule first, wait it out (a no-op
      // that says until when), then delete; a CA's window is planned with
      // the rest of the PKI (pki_plan.h).
      Change removal = !provider || rec->kind == "CertificateAuthority"
                           ? deletion_change(*rec, options.now)
                           : provider->diff_removed(*rec, options.now);
      if (removal.type == ActionType::kNoOp && removal.reasons.empty()) continue;
      Action a;
      a.address = address;
      a.type = removal.type;
      a.reasons = std::move(removal.reasons);
      a.id = plan_action_id(state.lineage, state.serial, address, a.type);
      for (const std::string& d : dependents[address])
        if (const Action* p = planned(d); p && p->type != ActionType::kNoOp) a.after.push_back(d);
      if (rec->deletion_protection)
        plan.errors.push_back(
            address +
            " has deletionProtection: true and is no longer in the configuration; "
            "put it back, or set deletionProtection: false and apply before removing it");
      // A resource that stays must not lose what it was made with: a key
      // sealed under a KmsKey, a certificate issued by a CA. Only a
      // replacement (or a redeployment) rebuilds it without this one.
      std::vector<std::string> holders;
      for (const std::string& d : dependents[address]) {
        if (deleting.count(d)) continue;
        const Action* p = planned(d);
        if (!p || (p->type != ActionType::kReplace && p->type != ActionType::kDeploy))
          holders.push_back(d);
      }
      if (!holders.empty() && rec->kind == "CertificateAuthority") {
        plan.errors.push_back(ca_deletion_error(address, holders));
      } else if (!holders.empty()) {
        const bool one = holders.size() == 1;
        std::string list;
        for (const std::string& h : holders) list += (list.empty() ? "" : ", ") + h;
        plan.errors.push_back(address + " is no longer in the configuration, but " + list +
                              " (still managed) " + (one ? "was" : "were") +
                              " made with it and would break; replace " + (one ? "it" : "them") +
                              " first (keyform apply --replace " + holders.front() + "), delete " +
                              (one ? "it" : "them") + " too, or put " + address + " back");
      }
      index[address] = plan.actions.size();
      plan.actions.push_back(std::move(a));
    }
  }
  plan_pki(config, state, targeted, plan);
  return plan;
}

}  // namespace keyform
