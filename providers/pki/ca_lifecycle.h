#pragma once
// The parts of a CertificateAuthority's life beyond issuing its own
// certificate: revoking what it issued, its deletion window, and the
// recorded attributes those keep.
//
//   status              "PENDING_DELETION" while a deleted CA waits out its
//                       window (absent otherwise)
//   deletion_date, deletion_date_unix  when the window ends
//   deletion_window     seconds, from spec.deletionWindow (default 30d), so
//                       a CA no longer in the configuration still knows it
#include <optional>
#include <string>

#include "providers/pki/x509.h"
#include "providers/provider.h"

namespace keyform::pki {

inline constexpr Seconds kDefaultDeletionWindow = 30 * 86400;
inline constexpr std::string_view kPendingDeletion = "PENDING_DELETION";

// The CA's private key, opened from its recorded entry.
x509::PkeyPtr open_ca_key(Keyring& keyring, const RecordedResource& ca);

// Follows the spec's crl settings with the recorded CA's key (opened only
// when a CRL is to be signed): a new CRL, or none.
void follow_crl_settings(RecordedResource& ca, Keyring& keyring, const nlohmann::json& spec,
                         UnixTime now);

// kRevoke: the recorded entry with ctx.action.revocations folded into its
// list, and a new CRL when it keeps one. Works without the CA in the
// configuration (a disabled or pending-deletion CA still revokes).
RecordedResource apply_revocations(ApplyContext& ctx);

// An update on a CA no longer in the configuration: the entry, key and
// material kept, marked PENDING_DELETION until now + its deletion window.
RecordedResource schedule_deletion(ApplyContext& ctx);

// Records deletion_window from the spec and clears a pending deletion (the
// CA is back in the configuration).
void record_lifecycle(nlohmann::json& attributes, const nlohmann::json& spec);

bool pending_deletion(const nlohmann::json& attributes);
// "PENDING_DELETION until 2026-12-22T..." for plans.
std::string pending_deletion_reason(const nlohmann::json& attributes);

}  // namespace keyform::pki
