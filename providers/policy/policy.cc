#include "providers/policy/policy.h"

#include <algorithm>

namespace keyform::policy {

namespace {

std::vector<std::string> strings(const nlohmann::json& v) {
  if (v.is_string()) return {v.get<std::string>()};
  std::vector<std::string> out;
  if (v.is_array())
    for (const auto& s : v)
      if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}

bool id_char(char c, bool patterns) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || (patterns && (c == '*' || c == '?'));
}

bool role_char(char c, bool patterns) {
  return id_char(c, patterns) || c == '@' || c == '+' || c == '=' || c == ',';
}

}  // namespace

Policy parse_policy(const Resource& r) {
  Policy p;
  p.address = r.address();
  p.resource = r.spec.value("resource", "");
  p.allow_public = r.spec.value("allowPublic", false);
  const nlohmann::json statements = r.spec.value("statements", nlohmann::json::array());
  for (size_t i = 0; i < statements.size(); ++i) {
    const nlohmann::json& j = statements[i];
    Statement s;
    s.sid = j.value("sid", "");
    s.allow = j.value("effect", "Allow") == "Allow";
    s.principals = strings(j.value("principals", nlohmann::json::array()));
    s.actions = strings(j.value("actions", nlohmann::json::array()));
    if (auto c = j.find("conditions"); c != j.end() && c->is_object())
      for (auto op = c->begin(); op != c->end(); ++op)
        for (auto key = op->begin(); key != op->end(); ++key)
          s.conditions.push_back({op.key(), key.key(), strings(*key)});
    auto mark = r.marks.find("/spec/statements/" + std::to_string(i));
    s.pos = mark != r.marks.end() ? mark->second : r.pos;
    p.statements.push_back(std::move(s));
  }
  return p;
}

PolicySet::PolicySet(const Config& config) {
  for (const Resource& r : config.resources)
    if (r.kind == "ResourcePolicy") add(parse_policy(r));
}

void PolicySet::add(Policy p) {
  std::string resource = p.resource;
  by_resource_[resource].push_back(std::move(p));
}

const std::vector<Policy>& PolicySet::on(const std::string& resource) const {
  static const std::vector<Policy> kNone;
  auto it = by_resource_.find(resource);
  return it == by_resource_.end() ? kNone : it->second;
}

bool valid_principal(std::string_view p, bool patterns) {
  if (patterns && p == "*") return true;
  constexpr std::string_view kAccount = "account:", kRole = "/role:";
  if (!p.starts_with(kAccount)) return false;
  size_t slash = p.find(kRole, kAccount.size());
  if (slash == std::string_view::npos) return false;
  std::string_view id = p.substr(kAccount.size(), slash - kAccount.size());
  std::string_view role = p.substr(slash + kRole.size());
  if (id.empty() || role.empty()) return false;
  return std::all_of(id.begin(), id.end(), [&](char c) { return id_char(c, patterns); }) &&
         std::all_of(role.begin(), role.end(), [&](char c) { return role_char(c, patterns); });
}

bool public_principal(std::string_view pattern) {
  if (pattern == "*") return true;
  std::string account = principal_account(pattern);
  return account.find_first_of("*?") != std::string::npos;
}

std::string principal_account(std::string_view principal) {
  constexpr std::string_view kAccount = "account:";
  if (!principal.starts_with(kAccount)) return "";
  size_t slash = principal.find('/', kAccount.size());
  if (slash == std::string_view::npos) return "";
  return std::string(principal.substr(kAccount.size(), slash - kAccount.size()));
}

std::string owner_principal(const Project& project) {
  return "account:" + project.account + "/role:owner";
}

}  // namespace keyform::policy
