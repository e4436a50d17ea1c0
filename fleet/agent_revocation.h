#pragma once
// Revoking an agent (keyform agent revoke HOST, docs/fleet.md): its
// FleetAgent/<host> entry is marked revoked, and every serial of its lineage
// (the newest and the ones it renewed from) goes into the revocation list of
// the CA that issued them, whose CRL is re-signed at once when it keeps one
// (crl.enabled). The certificates serve issued to the host for keys it
// made (FleetCertificate: the newest of each target and the unexpired ones
// they replaced) go into their issuers' lists the same way, and are marked
// revoked there. All of it is written in one journal append. Serve refuses
// a client certificate whose serial that list holds, as well as a revoked
// FleetAgent.
#include <string>
#include <vector>

#include "reconciler/config/resource.h"
#include "state/keyring.h"
#include "state/state.h"
#include "util/time.h"

namespace keyform::fleet {

// The serials of an agent's certificates: its newest, then the previous ones.
std::vector<std::string> lineage_serials(const RecordedResource& agent);

// Throws ApiError 403 agent_revoked when `serial` is in the revocation list
// of `agent`'s issuing CA.
void refuse_revoked_serial(const State& state, const RecordedResource& agent,
                           const std::string& serial);

struct AgentRevocation {
  // FleetAgent/<host>, the agent CA's entry, the other issuers' entries,
  // then the FleetCertificate entries marked revoked.
  std::vector<RecordedResource> entries;
  std::vector<std::string> serials;  // what the agent CA's list gained
  bool crl_signed = false;           // a new CRL of the agent CA holds them
  // "Certificate/web-host serial 5e1a… (CertificateAuthority/root)": host
  // certificates now in their issuers' lists.
  std::vector<std::string> host_certificates;
  // Host certificates whose issuer is no longer recorded: in no list.
  std::vector<std::string> not_listed;
};

// What revoking `host` records at `now`, with `reason` (an RFC 5280 CRLReason
// name: cessationOfOperation, keyCompromise, unspecified). Throws
// keyform::Error when no agent is enrolled as `host`, it is revoked already,
// or its CA is not recorded.
AgentRevocation revoke_agent(const Config& config, const State& state, Keyring& keyring,
                             const std::string& host, const std::string& reason, UnixTime now);

}  // namespace keyform::fleet
