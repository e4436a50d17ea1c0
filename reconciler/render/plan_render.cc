#include "reconciler/render/plan_render.h"

#include <sstream>

#include "providers/deploy/deployment_target.h"
#include "providers/pki/ca_lifecycle.h"
#include "providers/pki/host_key.h"
#include "util/time.h"

namespace keyform {

std::string_view action_symbol(ActionType t) {
  switch (t) {
    case ActionType::kCreate:
      return "+";
    case ActionType::kDelete:
      return "-";
    case ActionType::kReplace:
      return "-/+";
    case ActionType::kRevoke:
      return "!";
    case ActionType::kNoOp:
      return " ";
    default:
      return "~";
  }
}

namespace {

std::string colored(const Style& style, ActionType t, std::string_view s) {
  switch (t) {
    case ActionType::kCreate:
      return style.green(s);
    case ActionType::kDelete:
    case ActionType::kRevoke:
    case ActionType::kReplace:
      return style.red(s);
    default:
      return style.yellow(s);
  }
}

// Public data only: recorded attributes never hold secret material, and a
// config holds none (secrets are generated and sealed, never written in it).
nlohmann::json change_of(const Action& a, const Config& config, const State& state) {
  nlohmann::json before = nullptr, after = nullptr;
  if (const RecordedResource* r = state.find(a.address))
    before = {{"attributes", r->attributes}, {"dependencies", r->dependencies}};
  if (const Resource* r = config.find(a.address))
    after = {{"spec", r->spec},
             {"tags", r->tags},
             {"depends_on", r->depends_on},
             {"deletion_protection", r->deletion_protection}};
  return {{"before", std::move(before)}, {"after", std::move(after)}};
}

// No-ops with reasons: waiting ones (a CA without its certificate, and what
// needs it), a deleted CA in its deletion window, and ones the operator must
// act on (an external CA due for a new certificate), so the plan says why
// they are not planned.
void render_waiting(const Plan& plan, const Style& style, std::ostringstream& out) {
  bool first = true;
  for (const Action& a : plan.actions) {
    if (a.type != ActionType::kNoOp || a.reasons.empty()) continue;
    if (first)
      out << "\nNot planned (waiting, in a deletion window, needing an operator, or written by "
             "agents):\n";
    first = false;
    const char* label = a.waiting                                              ? "... wait    "
                        : a.reasons.front().starts_with(pki::kPendingDeletion) ? "... deleting"
                        : a.reasons.front().starts_with(kWrittenByAgents) ||
                                a.reasons.front().starts_with(pki::kIssuedToHosts)
                            ? "... agents  "
                            : "... operator";
    out << "  " << style.yellow(label) << " " << style.bold(a.address) << "\n";
    for (const std::string& r : a.reasons) out << "                 " << style.dim(r) << "\n";
  }
}

}  // namespace

std::string plan_summary(const Plan& plan) {
  auto counts = plan.counts();
  std::ostringstream out;
  out << "Plan: ";
  // Always name create and delete, like Terraform; other actions when present.
  out << counts[ActionType::kCreate] << " to create";
  for (auto [type, n] : counts) {
    if (type == ActionType::kCreate || type == ActionType::kDelete || n == 0) continue;
    out << ", " << n << " to " << action_name(type);
  }
  out << ", " << counts[ActionType::kDelete] << " to delete.";
  return out.str();
}

std::string render_plan_text(const Plan& plan, const Style& style) {
  std::ostringstream out;
  size_t unchanged = plan.actions.size() - [&] {
    size_t n = 0;
    for (const Action& a : plan.actions) n += a.type != ActionType::kNoOp;
    return n;
  }();
  for (const std::string& e : plan.errors) out << style.red("Error: ") << e << "\n";
  if (!plan.errors.empty()) out << "\n";
  if (!plan.has_changes()) {
    out << style.bold("No changes.") << " The recorded state matches the configuration ("
        << plan.actions.size() << " resources) at " << format_rfc3339(plan.now) << ".\n";
    render_waiting(plan, style, out);
    return out.str();
  }
  out << "keyform will perform these actions (at " << format_rfc3339(plan.now) << "):\n\n";
  for (const Action& a : plan.actions) {
    if (a.type == ActionType::kNoOp) continue;
    std::string verb(action_name(a.type));
    verb.resize(8, ' ');
    std::string symbol(action_symbol(a.type));
    symbol.resize(3, ' ');
    out << "  " << colored(style, a.type, symbol + " " + verb) << " " << style.bold(a.address)
        << "\n";
    for (const std::string& r : a.reasons) out << "                 " << style.dim(r) << "\n";
  }
  render_waiting(plan, style, out);
  out << "\n" << style.bold(plan_summary(plan));
  if (unchanged) out << " " << unchanged << " unchanged.";
  out << "\n";
  return out.str();
}

nlohmann::json render_plan_json(const Plan& plan, const Config* config, const State* state) {
  nlohmann::json actions = nlohmann::json::array();
  for (const Action& a : plan.actions) {
    std::string kind, name;
    split_address(a.address, &kind, &name);
    nlohmann::json j = {{"id", a.id},   {"address", a.address},          {"kind", kind},
                        {"name", name}, {"action", action_name(a.type)}, {"reasons", a.reasons}};
    j["after"] = a.type == ActionType::kNoOp ? nlohmann::json::array() : nlohmann::json(a.after);
    if (config && state) j["change"] = change_of(a, *config, *state);
    if (!a.revocations.empty()) {
      nlohmann::json revs = nlohmann::json::array();
      for (const Revocation& r : a.revocations)
        revs.push_back({{"address", r.address}, {"serial", r.serial}, {"reason", r.reason}});
      j["revocations"] = std::move(revs);
    }
    if (a.waiting) j["waiting"] = true;
    actions.push_back(std::move(j));
  }
  nlohmann::json summary = nlohmann::json::object();
  for (const Action& a : plan.actions) {
    std::string n(action_name(a.type));
    summary[n] = summary.value(n, 0) + 1;
  }
  return {{"format_version", kPlanFormatVersion},
          {"lineage", plan.lineage},
          {"serial", plan.serial},
          {"now", format_rfc3339(plan.now)},
          {"has_changes", plan.has_changes()},
          {"errors", plan.errors},
          {"summary", summary},
          {"actions", actions}};
}

}  // namespace keyform
