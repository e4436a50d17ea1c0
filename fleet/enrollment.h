#pragma once
// Enrolment: the agent makes its key and a certificate signing request; the
// server checks the request's signature (the agent holds the key) and issues
// the identity certificate with the agent CA (spec.fleet.agentCA). The
// certificate's names come from the join token, never from the request.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fleet/identity.h"
#include "providers/pki/x509_ca.h"
#include "reconciler/config/resource.h"
#include "state/keyring.h"
#include "state/state.h"
#include "util/time.h"

namespace keyform::fleet {

// Identity certificates start this much before they are issued, so a host
// whose clock is a little behind the server's accepts its new certificate.
inline constexpr Seconds kIdentityBackdate = 5 * 60;

// The agent's request, signed with its key. Its names are ignored: the
// certificate takes them from the join token.
x509::CsrPtr make_agent_csr(EVP_PKEY* key, const std::string& common_name);

// Parses a PEM request and checks its self-signature. Throws keyform::Error
// saying what is wrong.
x509::CsrPtr parse_agent_csr(std::string_view pem);

struct IssuedIdentity {
  std::string certificate_pem;
  std::string ca_pem;      // the agent CA's certificate (the agent's chain)
  RecordedResource agent;  // FleetAgent/<host>
};

// The answer to an enrolment or a renewal (docs/fleet.md, POST /v1/enroll).
nlohmann::json identity_answer(const AgentIdentity& who, const IssuedIdentity& issued,
                               UnixTime now);

// Issues `who`'s identity certificate for the key of `csr`, signed by the
// project's agent CA as recorded in `state`. Throws keyform::Error when the
// project names no agent CA, or it is not recorded, pending or disabled.
IssuedIdentity issue_agent_identity(const Config& config, const State& state, Keyring& keyring,
                                    const AgentIdentity& who, X509_REQ* csr, UnixTime now);

}  // namespace keyform::fleet
