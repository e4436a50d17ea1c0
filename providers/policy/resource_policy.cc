// The ResourcePolicy provider: checks statements (principals, actions and
// conditions against the vocabulary of providers/policy/actions.h), plans
// changes of who may do what as `share` actions, and records the effective
// grants. Its validate_all runs the access analysis of DeploymentTargets.
#include <algorithm>
#include <set>

#include "providers/builtin.h"
#include "providers/policy/access_analysis.h"
#include "providers/policy/actions.h"
#include "providers/policy/grants.h"
#include "providers/policy/policy.h"
#include "util/nearest.h"
#include "util/text.h"

namespace keyform {

namespace {

using namespace policy;

// A JSON pointer token: '~' and '/' escaped.
std::string pointer_token(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

void check_action(const std::string& action, const AttachableKind& kind, const std::string& at,
                  const DiagnosticSink& error) {
  std::vector<std::string> own(kind.actions.begin(), kind.actions.end());
  const std::string on =
      " on a " + std::string(kind.kind) + "; its actions are " + comma_joined(own);
  if (has_glob(action)) {
    if (std::none_of(own.begin(), own.end(),
                     [&](const std::string& a) { return glob_match(action, a); }))
      error(at, "\"" + action + "\" matches no action" + on);
    return;
  }
  if (std::count(own.begin(), own.end(), action)) return;
  std::vector<std::string> every = all_actions();
  if (std::count(every.begin(), every.end(), action))
    error(at, action + " does not apply" + on);
  else
    error(at, "unknown action \"" + action + "\"" + did_you_mean(action, every) +
                  "; the actions are " + comma_joined(every));
}

void check_condition(const Condition& c, const std::vector<std::string>& actions,
                     const AttachableKind& kind, const std::string& at,
                     const DiagnosticSink& error) {
  const ConditionKey* key = condition_key(c.key);
  if (!key) {
    std::vector<std::string> keys;
    for (const ConditionKey& k : condition_keys()) keys.emplace_back(k.key);
    error(at, "unknown condition key \"" + c.key + "\"" + did_you_mean(c.key, keys) +
                  "; the keys are " + comma_joined(keys));
    return;
  }
  if (key->action.empty()) return;
  bool named = std::any_of(actions.begin(), actions.end(), [&](const std::string& a) {
    return glob_match(a, key->action) &&
           std::count(kind.actions.begin(), kind.actions.end(), key->action);
  });
  if (!named)
    error(at, c.key + " is only set on " + std::string(key->action) +
                  " requests, which this statement does not cover");
}

class ResourcePolicyProvider : public Provider {
 public:
  std::string_view kind() const override { return "ResourcePolicy"; }

  // The attached resource is an edge when its kind is one this build knows;
  // an address of a kind still to come (Secret) is accepted unresolved.
  std::vector<Reference> references(const Resource& r, const Project&) const override {
    std::string resource = r.spec.value("resource", ""), kind, name;
    if (split_address(resource, &kind, &name) && builtin_providers().find(kind))
      return {{"/spec/resource", resource}};
    return {};
  }

  std::vector<std::string> located_fields(const Resource& r) const override {
    std::vector<std::string> out;
    size_t n = r.spec.value("statements", nlohmann::json::array()).size();
    for (size_t i = 0; i < n; ++i) out.push_back("/spec/statements/" + std::to_string(i));
    return out;
  }

  void validate(const Resource& r, const Config&, const DiagnosticSink& error) const override {
    Policy p = parse_policy(r);
    std::string kind, name;
    split_address(p.resource, &kind, &name);
    const AttachableKind* k = attachable_kind(kind);
    if (!k) {
      std::vector<std::string> kinds;
      for (const AttachableKind& a : attachable_kinds()) kinds.emplace_back(a.kind);
      error("/spec/resource", "a ResourcePolicy attaches to " + comma_joined(kinds) + " (got \"" +
                                  p.resource + "\")");
      return;
    }
    std::set<std::string> sids;
    for (size_t i = 0; i < p.statements.size(); ++i) {
      const Statement& s = p.statements[i];
      const std::string at = "/spec/statements/" + std::to_string(i);
      if (!sids.insert(s.sid).second)
        error(at + "/sid", "sid \"" + s.sid + "\" is used by an earlier statement");
      for (size_t j = 0; j < s.principals.size(); ++j) {
        const std::string& principal = s.principals[j];
        const std::string pat = at + "/principals/" + std::to_string(j);
        if (!valid_principal(principal, /*patterns=*/true))
          error(pat,
                "expected a principal like account:<id>/role:<name> (globs * and ? "
                "allowed) or \"*\" (got \"" +
                    principal + "\")");
        else if (public_principal(principal) && !p.allow_public)
          error(pat, "\"" + principal +
                         "\" is a public principal: it matches accounts nobody "
                         "chose; set allowPublic: true to mean it");
      }
      for (size_t j = 0; j < s.actions.size(); ++j)
        check_action(s.actions[j], *k, at + "/actions/" + std::to_string(j), error);
      for (const Condition& c : s.conditions)
        check_condition(c, s.actions, *k,
                        at + "/conditions/" + pointer_token(c.op) + "/" + pointer_token(c.key),
                        error);
    }
  }

  void validate_all(const Config& config, const ConfigDiagnosticSink& error) const override {
    analyze_deployment_access(config, error);
  }

  Change diff(const DiffInput& in) const override {
    std::vector<Grant> desired = effective_grants(parse_policy(in.desired));
    std::vector<Grant> recorded;
    if (in.recorded)
      recorded = grants_from_json(in.recorded->attributes.value("grants", nlohmann::json()));
    Change c;
    for (const Grant& g : recorded)
      if (!std::binary_search(desired.begin(), desired.end(), g))
        c.reasons.push_back(describe_grant(g, /*now=*/false));
    for (const Grant& g : desired)
      if (!std::binary_search(recorded.begin(), recorded.end(), g))
        c.reasons.push_back(describe_grant(g, /*now=*/true));
    if (!c.reasons.empty() || !in.recorded) {
      c.type = ActionType::kShare;
      if (c.reasons.empty()) c.reasons.push_back("not in state");
      return c;
    }
    for (const std::string& f : in.changed_fields) c.reasons.push_back(f + " changed");
    if (!c.reasons.empty()) c.type = ActionType::kUpdate;
    return c;
  }

  // A policy lives in the configuration and the state only: nothing outside
  // them can move away from what was recorded.
  Observation observe(const RecordedResource&, ObserveContext&) const override { return {}; }

  RecordedResource apply(ApplyContext& ctx) const override {
    if (ctx.action.type == ActionType::kDelete) return {};
    const Resource& r = *ctx.desired;
    std::vector<std::string> deps;
    for (const Reference& ref : references(r, ctx.config.project)) deps.push_back(ref.address);
    RecordedResource rec = record_from(r, deps);
    Policy p = parse_policy(r);
    rec.attributes = {{"resource", p.resource},
                      {"policy_digest", rec.spec_digest},
                      {"statements", p.statements.size()},
                      {"grants", grants_json(effective_grants(p))}};
    return rec;
  }
};

}  // namespace

std::unique_ptr<Provider> make_resource_policy_provider() {
  return std::make_unique<ResourcePolicyProvider>();
}

}  // namespace keyform
