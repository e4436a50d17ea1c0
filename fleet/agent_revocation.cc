#include "fleet/agent_revocation.h"

#include <map>

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

namespace {

// The certificates serve issued to `host` for keys it made
// (FleetCertificate entries: the newest per target and the unexpired ones
// it replaced), marked revoked in a copy of each entry that names the host.
struct HostCertificates {
  std::vector<RecordedResource> entries;
  std::map<std::string, std::vector<Revocation>> by_issuer;
};

HostCertificates host_certificates(const State& state, const std::string& host,
                                   const std::string& reason, UnixTime now) {
  HostCertificates out;
  const std::string prefix = std::string(kFleetCertificate) + "/";
  for (const auto& [address, entry] : state.resources.with_prefix(prefix)) {
    const nlohmann::json hosts = entry.attributes.value("hosts", nlohmann::json::object());
    if (!hosts.contains(host)) continue;
    RecordedResource rec = entry;
    nlohmann::json& h = rec.attributes["hosts"][host];
    if (h.contains("revoked")) continue;
    const std::string source = h.value("source", entry.attributes.value("source", ""));
    auto revoke = [&](const nlohmann::json& issued) {
      const std::optional<UnixTime> expires = parse_rfc3339(issued.value("not_after", ""));
      if (issued.value("serial", "").empty() || (expires && *expires <= now)) return;
      out.by_issuer[issued.value("issuer", "")].push_back(
          {source, issued.value("serial", ""), reason});
    };
    revoke(h);
    for (const nlohmann::json& previous : h.value("previous", nlohmann::json::array()))
      revoke(previous);
    h["revoked"] = format_rfc3339(now);
    rec.updated_at = now;
    out.entries.push_back(std::move(rec));
  }
  return out;
}

}  // namespace

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
  if (!state.find(issuer))
    throw Error(issuer + ", which issued agent " + host +
                "'s identity, is not in the state: its revocation list cannot hold it");
  HostCertificates hosted = host_certificates(state, host, reason, now);
  std::map<std::string, std::vector<Revocation>> by_issuer = std::move(hosted.by_issuer);
  AgentRevocation out;
  for (const std::string& serial : lineage_serials(agent)) {
    if (serial.empty()) continue;
    by_issuer[issuer].push_back({agent.address(), serial, reason});
    out.serials.push_back(serial);
  }
  out.entries.push_back(std::move(agent));
  keyring.set_key_states(state);
  // The agent CA first (the CLI names it), then each issuer of a host's
  // certificates; every list re-signed at once when its CA keeps a CRL.
  std::vector<std::string> cas = {issuer};
  for (const auto& [address, revocations] : by_issuer)
    if (address != issuer) cas.push_back(address);
  for (const std::string& address : cas) {
    const RecordedResource* ca_found = state.find(address);
    if (!ca_found) {
      for (const Revocation& r : by_issuer[address])
        out.not_listed.push_back(r.address + " serial " + r.serial + " (" + address +
                                 " is not in the state)");
      continue;
    }
    RecordedResource ca = *ca_found;
    pki::fold_revocations(ca.attributes, by_issuer[address], now);
    if (const Resource* desired = config.find(address)) {
      pki::follow_crl_settings(ca, keyring, desired->spec, now);
      if (address == issuer) out.crl_signed = pki::crl_settings(desired->spec).enabled;
    }
    if (address != issuer)
      for (const Revocation& r : by_issuer[address])
        out.host_certificates.push_back(r.address + " serial " + r.serial + " (" + address + ")");
    ca.updated_at = now;
    out.entries.push_back(std::move(ca));
  }
  for (RecordedResource& e : hosted.entries) out.entries.push_back(std::move(e));
  return out;
}

}  // namespace keyform::fleet
