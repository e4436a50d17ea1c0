#include "providers/policy/decision_json.h"

namespace keyform::policy {

namespace {

nlohmann::json one_decision(const Decision& d) {
  nlohmann::json j = {{"decision", d.allowed ? "ALLOW" : "DENY"},
                      {"principal", d.principal},
                      {"action", d.action},
                      {"resource", d.resource},
                      {"because", d.because()}};
  if (d.basis == Decision::Basis::kStatement)
    j["statement"] = {{"policy", d.policy},
                      {"sid", d.sid},
                      {"file", d.pos.file},
                      {"line", d.pos.line},
                      {"column", d.pos.column}};
  return j;
}

}  // namespace

nlohmann::json decision_json(const Decision& d) {
  nlohmann::json j = one_decision(d);
  j["steps"] = nlohmann::json::array();
  for (const Decision& s : d.steps) j["steps"].push_back(one_decision(s));
  return j;
}

std::string decision_text(const Decision& d) {
  std::string out = std::string(d.allowed ? "ALLOW" : "DENY") + ": " + d.because() + "\n";
  for (const Decision& s : d.steps) out += "  " + s.str() + "\n";
  return out;
}

}  // namespace keyform::policy
