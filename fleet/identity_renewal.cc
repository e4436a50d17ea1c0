#include "fleet/identity_renewal.h"

#include "fleet/enrollment.h"
#include "state/fleet_records.h"

namespace keyform::fleet {

namespace {

using json = nlohmann::json;

// The lineage of the renewed host: the serials its certificates had, oldest
// first, each with when it expires and when it was superseded.
json lineage_after_renewal(const RecordedResource& old, UnixTime now) {
  json previous = old.attributes.value("previous_serials", json::array());
  previous.push_back({{"serial", old.attributes.value("serial", "")},
                      {"not_after", old.attributes.value("not_after", "")},
                      {"superseded", format_rfc3339(now)}});
  return previous;
}

// The agent renewing, as authenticate() finds it; only the newest
// certificate of a lineage renews: an older one (a copy of a key that was
// replaced) has to enrol again. One exception: the certificate a renewal
// replaced, while the one it issued was never presented (unconfirmed_
// previous): the answer was lost, and the host still holds the old one.
AgentIdentity renewing_agent(const State& state, const ApiRequest& request) {
  try {
    return authenticate(state, request.peer, request.peer_problem);
  } catch (const ApiError& e) {
    if (e.code() != "superseded_identity") throw;
    const RecordedResource* agent =
        state.find(std::string(kFleetAgent) + "/" + request.peer->identity.host);
    if (agent && agent->attributes.value("unconfirmed_previous", "") == request.peer->serial &&
        agent->attributes.value("principal", "") == request.peer->identity.principal())
      return request.peer->identity;
    throw ApiError(403, "must_reenroll",
                   std::string(e.what()) +
                       "; only the newest certificate renews: enrol this host again with a new "
                       "token (keyform agent token, then keyform agent enroll)");
  }
}

}  // namespace

Seconds renewal_grace(const Config& config) {
  return parse_duration(config.project.fleet.renewal_grace).value_or(kDefaultRenewalGrace);
}

void refuse_out_of_validity(const std::optional<Peer>& peer, UnixTime now,
                            const std::function<Seconds()>& grace) {
  if (!peer || peer->not_after == 0) return;
  if (now < peer->not_before)
    throw ApiError(403, "identity_not_yet_valid",
                   "this certificate (serial " + peer->serial + ") is valid from " +
                       format_rfc3339(peer->not_before) + " but the server's clock says " +
                       format_rfc3339(now) + ": check the clocks of this host and the server");
  if (now <= peer->not_after) return;
  const Seconds g = grace();
  const std::string expired = "this certificate (serial " + peer->serial + ") expired at " +
                              format_rfc3339(peer->not_after);
  if (now - peer->not_after > g)
    throw ApiError(403, "must_reenroll",
                   expired + ", longer ago than the renewal grace (" + format_duration(g) +
                       "): enrol this host again with a new token (keyform agent token, then "
                       "keyform agent enroll)");
  throw ApiError(403, "identity_expired",
                 expired + "; until " + format_rfc3339(peer->not_after + g) +
                     " it may still renew (POST /v1/renew; keyform agent run does it)");
}

ApiResponse renew_identity(ServiceEnvironment& env, FleetStore& store, const ApiRequest& request) {
  if (!request.peer)
    throw ApiError(
        401, "client_certificate_required",
        request.peer_problem.empty()
            ? "renewal needs the agent's current client certificate"
            : "the client certificate carries no usable identity: " + request.peer_problem);
  const Peer& peer = *request.peer;
  const Config config = env.load_config();
  const UnixTime now = env.now();
  const Seconds grace = renewal_grace(config);
  // Expired within the grace is what renewal is for; beyond it, or not yet
  // valid, the identity is refused before its body is looked at.
  if (now < peer.not_before || (now > peer.not_after && now - peer.not_after > grace))
    refuse_out_of_validity(request.peer, now, [grace] { return grace; });
  // Who it is, before its body is looked at; checked again under the lock.
  renewing_agent(store.read(), request);
  const json j = parse_json_body(request.body);
  x509::CsrPtr csr;
  try {
    csr = parse_agent_csr(required_string(j, "csr", 16 * 1024));
  } catch (const ApiError&) {
    throw;
  } catch (const Error& e) {
    throw ApiError(400, "invalid_csr", e.what());
  }
  IssuedIdentity issued;
  AgentIdentity who;
  store.write(
      [&](const State& state) {
        who = renewing_agent(state, request);
        const RecordedResource& old = *state.find(std::string(kFleetAgent) + "/" + who.host);
        env.keyring->set_key_states(state);
        issued = issue_agent_identity(config, state, *env.keyring, who, csr.get(), now);
        issued.agent.attributes["enrolled"] = old.attributes.value("enrolled", "");
        issued.agent.attributes["renewed"] = format_rfc3339(now);
        issued.agent.attributes["previous_serials"] = lineage_after_renewal(old, now);
        // Until the new certificate is first presented, the one renewing
        // may renew again (confirm_identity in fleet_service.cc ends that).
        issued.agent.attributes["unconfirmed_previous"] = request.peer->serial;
        return std::vector<RecordedResource>{issued.agent};
      },
      now);
  const std::string serial = issued.agent.attributes.value("serial", "");
  append_audit(*env.backend,
               {env.audit_record(
                   who.principal(), "fleet:RenewIdentity", issued.agent.address(), serial, "ok",
                   "agent " + who.host + ": renewed serial " + peer.serial + " as " + serial +
                       ", valid until " + issued.agent.attributes.value("not_after", ""))});
  json body = identity_answer(who, issued, now);
  body["previous_serial"] = peer.serial;
  return {200, body.dump(), 0};
}

}  // namespace keyform::fleet
