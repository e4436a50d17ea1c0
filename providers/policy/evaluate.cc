#include "providers/policy/evaluate.h"

#include <algorithm>

#include "providers/policy/actions.h"
#include "providers/provider.h"
#include "util/error.h"
#include "util/nearest.h"
#include "util/text.h"

namespace keyform::policy {

namespace {

bool any_match(const std::vector<std::string>& patterns, const std::string& text) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return glob_match(p, text); });
}

bool holds(const Condition& c, const Context& context, const std::string& principal) {
  std::string value;
  if (c.key == "keyform:PrincipalAccount") {
    value = principal_account(principal);
  } else {
    auto it = context.find(c.key);
    // An absent key matches no value: the positive operators fail and the
    // negated ones hold (as in AWS IAM).
    if (it == context.end()) return c.op == "StringNotEquals" || c.op == "StringNotLike";
    value = it->second;
  }
  const bool like = c.op == "StringLike" || c.op == "StringNotLike";
  const bool negated = c.op == "StringNotEquals" || c.op == "StringNotLike";
  bool any = std::any_of(c.values.begin(), c.values.end(), [&](const std::string& v) {
    return like ? glob_match(v, value) : v == value;
  });
  return negated ? !any : any;
}

bool matches(const Statement& s, const Request& r) {
  return any_match(s.actions, r.action) && any_match(s.principals, r.principal) &&
         std::all_of(s.conditions.begin(), s.conditions.end(),
                     [&](const Condition& c) { return holds(c, r.context, r.principal); });
}

Decision from_statement(const Policy& p, const Statement& s, const Request& r) {
  Decision d;
  d.allowed = s.allow;
  d.basis = Decision::Basis::kStatement;
  d.principal = r.principal;
  d.action = r.action;
  d.resource = r.resource;
  d.policy = p.address;
  d.sid = s.sid;
  d.pos = s.pos;
  return d;
}

void check_request(const Config& config, const Request& r) {
  if (!valid_principal(r.principal, /*patterns=*/false))
    throw Error("principal: expected account:<id>/role:<name> without globs (got \"" + r.principal +
                "\")");
  std::string kind, name;
  if (!split_address(r.resource, &kind, &name))
    throw Error("resource: expected an address like KmsKey/name (got \"" + r.resource + "\")");
  const AttachableKind* k = attachable_kind(kind);
  if (!k) {
    std::vector<std::string> kinds;
    for (const AttachableKind& a : attachable_kinds()) kinds.emplace_back(a.kind);
    throw Error("resource: policies attach to " + comma_joined(kinds) + " (got \"" + r.resource +
                "\")");
  }
  std::vector<std::string> actions(k->actions.begin(), k->actions.end());
  if (std::find(actions.begin(), actions.end(), r.action) == actions.end()) {
    std::vector<std::string> every = all_actions();
    if (std::find(every.begin(), every.end(), r.action) != every.end())
      throw Error("action: " + r.action + " does not apply to a " + kind + "; its actions are " +
                  comma_joined(actions));
    throw Error("action: unknown action \"" + r.action + "\"" + did_you_mean(r.action, every) +
                "; the actions are " + comma_joined(every));
  }
  if (!config.find(r.resource) && builtin_providers().find(kind))
    throw Error("resource: no " + r.resource + " in the configuration");
}

}  // namespace

Decision decrypt_decision(const PolicySet& policies, const std::string& owner_account,
                          const Request& reader, const std::string& kms_key) {
  Request decrypt = reader;
  decrypt.action = "kms:Decrypt";
  decrypt.resource = kms_key;
  if (!kms_key.empty()) return evaluate(policies, owner_account, decrypt);
  Decision d;
  d.principal = reader.principal;
  d.action = decrypt.action;
  d.resource = reader.resource;
  d.allowed = !owner_account.empty() && principal_account(reader.principal) == owner_account;
  d.basis = d.allowed ? Decision::Basis::kOwner : Decision::Basis::kRootKey;
  return d;
}

std::string Decision::because() const {
  switch (basis) {
    case Basis::kStatement:
      return "statement \"" + sid + "\" of " + policy + " at " + pos.file + ":" +
             std::to_string(pos.line);
    case Basis::kOwner:
      return "account " + principal_account(principal) + " owns " + resource;
    case Basis::kRootKey:
      return resource +
             " is sealed under the project's root key, which no policy can share: "
             "seal it under a KmsKey (spec.kmsKey) and share that";
    case Basis::kNoStatement:
      break;
  }
  return "no statement allows it";
}

std::string Decision::str() const {
  return std::string(allowed ? "ALLOW " : "DENY ") + action + " on " + resource + ": " + because();
}

Decision evaluate(const PolicySet& policies, const std::string& owner_account,
                  const Request& request) {
  const Policy* allow_policy = nullptr;
  const Statement* allow = nullptr;
  for (const Policy& p : policies.on(request.resource)) {
    for (const Statement& s : p.statements) {
      if (!matches(s, request)) continue;
      if (!s.allow) return from_statement(p, s, request);  // an explicit Deny wins
      if (!allow) {
        allow_policy = &p;
        allow = &s;
      }
    }
  }
  if (allow) return from_statement(*allow_policy, *allow, request);
  Decision d;
  d.principal = request.principal;
  d.action = request.action;
  d.resource = request.resource;
  if (!owner_account.empty() && principal_account(request.principal) == owner_account) {
    d.allowed = true;
    d.basis = Decision::Basis::kOwner;
  }
  return d;
}

Decision authorize(const Config& config, const PolicySet& policies, const Request& request) {
  check_request(config, request);
  const std::string& owner = config.project.account;
  Decision first = evaluate(policies, owner, request);
  const Resource* secret = config.find(request.resource);
  if (request.action != "secret:GetSecretValue" || !secret) return first;
  Decision second =
      decrypt_decision(policies, owner, request, kms_key_address(*secret, config.project));
  Decision out = !first.allowed || second.allowed ? first : second;
  out.steps = {std::move(first), std::move(second)};
  return out;
}

Decision authorize(const Config& config, const std::string& principal, const std::string& action,
                   const std::string& resource, const Context& context) {
  PolicySet policies(config);
  return authorize(config, policies, Request{principal, action, resource, context});
}

}  // namespace keyform::policy
