#pragma once
// Issuance guardrails of a CertificateAuthority (docs/pki.md#allowed-names):
// `allowedNames` says which names certificates under the CA may carry,
// `maxValidity` how long those it issues may live, `nameConstraints: true`
// writes allowedNames into the CA certificate (x509 NameConstraints).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "providers/pki/x509.h"
#include "providers/provider.h"

namespace keyform::pki {

struct AllowedNames {
  std::vector<std::string> dns_suffixes;    // "example.com": it and below
  std::vector<std::string> ip_ranges;       // CIDR, "10.0.0.0/8"
  std::vector<std::string> uri_patterns;    // globs, "spiffe://example.com/*"
  std::vector<std::string> email_patterns;  // globs, "*@example.com"
};

// The CA's allowedNames; nullopt when it has none (anything goes).
std::optional<AllowedNames> allowed_names_field(const nlohmann::json& ca_spec);

// The CA's own fields: each suffix a DNS name, each range a CIDR, and
// nameConstraints only with allowedNames.
void validate_name_policy(const nlohmann::json& ca_spec, const DiagnosticSink& error);

// Each name of the Certificate `cert` (commonName when it is a host name,
// dnsNames, ipAddresses, uris, emails) outside the allowedNames of a CA
// above it — its issuer, then the issuer's parents — and a validity over
// its issuer's maxValidity, reported at the field's JSON pointer.
void check_issuance_guardrails(const Config& c, const Resource& cert, const DiagnosticSink& error);

// What a CA with `nameConstraints: true` writes into its certificate: each
// dnsSuffix, each ipRange, each emailPattern "*@domain" or exact address,
// each uriPattern "scheme://host/…" or "scheme://*.domain/…" (as its host;
// other patterns cannot be expressed and are left to keyform's own check);
// with no ipRanges, every IP address excluded. Empty without it.
x509::NameConstraints name_constraints_of(const nlohmann::json& ca_spec);

// A CIDR range as an X.509 iPAddress name constraint: the address bytes
// then the mask bytes (8 for IPv4, 32 for IPv6); empty when malformed.
std::string ip_range_constraint(const std::string& cidr);

}  // namespace keyform::pki
