#pragma once
// Reading the spec fields CertificateAuthority and Certificate share (with
// their defaults), and the attributes both record about a certificate.
// Specs arrive schema-checked: a malformed value throws keyform::Error.
#include <nlohmann/json.hpp>
#include <string>

#include "providers/pki/renewal.h"
#include "providers/pki/x509.h"
#include "util/time.h"

namespace keyform::pki {

std::string string_field(const nlohmann::json& spec, const char* key, std::string fallback);
// A duration such as "90d"; `fallback` when absent.
Seconds duration_field(const nlohmann::json& spec, const char* key, Seconds fallback);
// keyAlgorithm, EC_prime256v1 when absent.
x509::KeyAlgorithm key_algorithm_field(const nlohmann::json& spec);
// A subject object {organization, organizationalUnit, country, state,
// locality, commonName}; `common_name`, when not empty, wins over its own.
x509::Subject subject_field(const nlohmann::json& subject, const std::string& common_name);
// renewBefore / renewBeforePercentage.
RenewalPolicy renewal_policy_field(const nlohmann::json& spec);

// certificate_pem, serial, fingerprint_sha256, public_key_sha256, not_before, not_after (RFC
// 3339) and not_before_unix, not_after_unix.
nlohmann::json certificate_attributes(X509* cert);

// The renewal reason for a recorded certificate (its *_unix attributes).
std::optional<std::string> recorded_renewal_reason(const nlohmann::json& attributes,
                                                   const RenewalPolicy& policy, UnixTime now);

}  // namespace keyform::pki
