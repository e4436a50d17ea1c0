#pragma once
// A CA's revocation list as its recorded entry keeps it, and the CRL made
// from it. Attributes of a CertificateAuthority entry:
//
//   revoked_certificates  [{serial, reason, revoked_at, address}], one per
//                         serial, in the order they were revoked
//   crl                   {pem, number, this_update, next_update, revoked}
//                         while crl.enabled (a contract other code reads)
//   crl_distribution_point  the URL issued certificates carry, if any
//
// And of a Certificate entry:
//
//   revocation_pending    [{serial, reason, issuer_public_key_sha256}]: the
//                         serials a replacement superseded, until the
//                         issuer's list holds them (crash safety: the plan
//                         revokes what is pending, whatever happened to the
//                         run that replaced it)
#include <openssl/evp.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "providers/action.h"
#include "providers/provider.h"
#include "util/time.h"

namespace keyform::pki {

inline constexpr Seconds kDefaultCrlValidity = 7 * 86400;

// A CA's crl settings: {enabled (false), validity (7d), distributionPoint}.
struct CrlSettings {
  bool enabled = false;
  Seconds validity = kDefaultCrlValidity;
  std::string distribution_point;
};
CrlSettings crl_settings(const nlohmann::json& ca_spec);
// crl.validity at least 1d; crl.distributionPoint a URI.
void validate_crl_settings(const nlohmann::json& ca_spec, const DiagnosticSink& error);

// The serials a CA's entry has revoked.
std::set<std::string> revoked_serials(const nlohmann::json& ca_attributes);

// Adds the revocations not yet in the list (by serial), revoked at `now`.
// Returns how many were new: folding the same action twice changes nothing.
size_t fold_revocations(nlohmann::json& ca_attributes, const std::vector<Revocation>& revocations,
                        UnixTime now);

// Signs a new CRL over the list with the CA's key and certificate (the
// entry's certificate_pem), numbered one past the last, valid from now for
// `validity`.
void regenerate_crl(nlohmann::json& ca_attributes, EVP_PKEY* ca_key, Seconds validity,
                    UnixTime now);

// Applies `settings` to the entry: regenerates the CRL when enabled, drops
// it when not, and records the distribution point.
void apply_crl_settings(nlohmann::json& ca_attributes, EVP_PKEY* ca_key,
                        const CrlSettings& settings, UnixTime now);

// Why the recorded CRL must be refreshed at `now`: "CRL expires in 2d
// (nextUpdate ..., refreshed with a third of its 7d validity left)", or
// nullopt. A CRL is refreshed once a third of its validity is left, so
// relying parties that fetch it on a schedule never hold an expired one.
std::optional<std::string> crl_refresh_reason(const nlohmann::json& ca_attributes, UnixTime now);

// The Certificate entry's pending revocations the issuer (its entry and
// public key) does not hold yet.
std::vector<Revocation> pending_revocations(const std::string& address,
                                            const nlohmann::json& cert_attributes,
                                            const nlohmann::json& issuer_attributes);

// The revocation_pending a Certificate's new entry carries: the recorded
// entry's pending serials the issuer does not hold yet, plus, when
// `supersede` (a replacement), the recorded serial itself if the issuer's
// current key signed it.
nlohmann::json carry_pending_revocations(const nlohmann::json& recorded_cert,
                                         const nlohmann::json& issuer_attributes, bool supersede);

}  // namespace keyform::pki
