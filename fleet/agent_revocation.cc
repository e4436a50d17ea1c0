#include "fleet/agent_revocation.h"

#include "fleet/api_request.h"
#include "providers/pki/ca_lifecycle.h"
#include "providers/pki/revocation_list.h"
#include "state/fleet_records.h"
#include "util/error.h"

namespace keyform::fleet {

std::vector<std::string> lineage_serials(const RecordedResource& agent) {
  std::vector<std::string> out = {agent.attributes.value("serial", "")};
  for (const auto& p : agent.attributes.value("previous_serials", nlohmann::json::array()))
    out.push_back(p.value("serial", ""));
  return out;
}

void refuse_revoked_serial(const State& state, const RecordedResource& agent,
                           const std::string& serial) {
  const std::string issuer = agent.attributes.value("issuer", "");
  const RecordedResource* ca = state.find(issuer);
  if (ca && pki::revoked_serials(ca->attributes).count(serial))
    throw ApiError(403, "agent_revoked",
                   "this certificate (serial " + serial + ") is in the revocation list of " +
                       issuer + " (keyform agent revoke); enrol the host again with a new token");
}

AgentRevocation revoke_agent(const Config& config, const State& state, Keyring& keyring,
                             const std::string& host, const std::string& reason, UnixTime now) {
  const RecordedResource* found = state.find(std::string(kFleetAgent) + "/" + host);
  if (!found) throw Error("no agent is enrolled as host " + host);
  if (found->attributes.contains("revoked"))
    throw Error("agent " + host + " was revoked already, at " +
                found->attributes.value("revoked", ""));
  RecordedResource agent = *found;
  agent.attributes["revoked"] = format_rfc3339(now);
  agent.updated_at = now;
  const std::string issuer = agent.attributes.value("issuer", "");
  const RecordedResource* ca_found = state.find(issuer);
  if (!ca_found)
    throw Error(issuer + ", which issued agent " + host +
                "'s identity, is not in the state: its revocation list cannot hold it");
  RecordedResource ca = *ca_found;
  std::vector<Revocation> revocations;
  AgentRevocation out;
  for (const std::string& serial : lineage_serials(agent)) {
    if (serial.empty()) continue;
    revocations.push_back({agent.address(), serial, reason});
    out.serials.push_back(serial);
  }
  pki::fold_revocations(ca.attributes, revocations, now);
  if (const Resource* desired = config.find(issuer)) {
    keyring.set_key_states(state);
    pki::follow_crl_settings(ca, keyring, desired->spec, now);
    out.crl_signed = pki::crl_settings(desired->spec).enabled;
  }
  ca.updated_at = now;
  out.entries = {std::move(agent), std::move(ca)};
  return out;
}

}  // namespace keyform::fleet
