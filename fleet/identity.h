#pragma once
// An agent's identity: the account and role it acts as, and its host name,
// carried in its client certificate as one URI SAN (docs/fleet.md):
//
//   keyform://account/<id>/role/<name>/host/<host>
//
// What policies see is the principal account:<id>/role:<name>; the host
// name says which DeploymentTargets (spec.hosts) it writes.
#include <openssl/x509.h>

#include <optional>
#include <string>
#include <string_view>

namespace keyform::fleet {

struct AgentIdentity {
  std::string account;
  std::string role;
  std::string host;

  std::string principal() const { return "account:" + account + "/role:" + role; }
  std::string uri() const {
    return "keyform://account/" + account + "/role/" + role + "/host/" + host;
  }
};

// Host names: lower-case letters, digits, '.' and '-', starting with a letter
// or digit, at most 63 characters (the name of a FleetAgent/<host> entry).
bool valid_host_name(std::string_view host);

// From `keyform agent token --principal P --host H`. Throws keyform::Error
// when the principal is not account:<id>/role:<name> with no globs (ids and
// names of letters, digits and . _ - @ + = ,) or the host name is invalid.
AgentIdentity agent_identity(std::string_view principal, std::string_view host);

// Parses the URI form; throws keyform::Error saying what is wrong.
AgentIdentity parse_identity_uri(std::string_view uri);

// The identity in a certificate: its one keyform:// URI SAN. nullopt when it
// has none; throws keyform::Error when it has a malformed one or several.
std::optional<AgentIdentity> certificate_identity(X509* cert);

}  // namespace keyform::fleet
