#include "providers/policy/grants.h"

#include <algorithm>
#include <tuple>

#include "providers/policy/actions.h"

namespace keyform::policy {

namespace {

auto key(const Grant& g) { return std::tie(g.resource, g.principal, g.action, g.allow, g.when); }

std::string condition_text(const std::vector<Condition>& conditions) {
  std::string out;
  for (const Condition& c : conditions) {
    out += (out.empty() ? "" : " and ") + c.op + " " + c.key + "=";
    for (size_t i = 0; i < c.values.size(); ++i) out += (i ? "|" : "") + c.values[i];
  }
  return out;
}

}  // namespace

bool Grant::operator<(const Grant& o) const { return key(*this) < key(o); }
bool Grant::operator==(const Grant& o) const { return key(*this) == key(o); }

std::vector<Grant> effective_grants(const Policy& p) {
  std::vector<Grant> out;
  std::string kind = p.resource.substr(0, p.resource.find('/'));
  const AttachableKind* k = attachable_kind(kind);
  if (!k) return out;
  for (const Statement& s : p.statements) {
    std::string when = condition_text(s.conditions);
    for (const std::string& pattern : s.actions)
      for (std::string_view action : k->actions) {
        if (!glob_match(pattern, action)) continue;
        for (const std::string& principal : s.principals)
          out.push_back(Grant{p.resource, s.allow, principal, std::string(action), when});
      }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

nlohmann::json grants_json(const std::vector<Grant>& grants) {
  nlohmann::json out = nlohmann::json::array();
  for (const Grant& g : grants) {
    nlohmann::json j = {{"resource", g.resource},
                        {"effect", g.allow ? "Allow" : "Deny"},
                        {"principal", g.principal},
                        {"action", g.action}};
    if (!g.when.empty()) j["when"] = g.when;
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<Grant> grants_from_json(const nlohmann::json& j) {
  std::vector<Grant> out;
  if (!j.is_array()) return out;
  for (const auto& g : j)
    out.push_back(Grant{g.value("resource", ""), g.value("effect", "Allow") == "Allow",
                        g.value("principal", ""), g.value("action", ""), g.value("when", "")});
  std::sort(out.begin(), out.end());
  return out;
}

std::string describe_grant(const Grant& g, bool now) {
  std::string when = g.when.empty() ? "" : " (when " + g.when + ")";
  if (!g.allow)
    return g.resource + ": " + g.principal + (now ? " now denied " : " no longer denied ") +
           g.action + when;
  if (g.action == "secret:GetSecretValue")
    return g.resource + (now ? " now readable by " : " no longer readable by ") + g.principal +
           when;
  return g.resource + ": " + g.principal + (now ? " may now " : " may no longer ") + g.action +
         when;
}

}  // namespace keyform::policy
