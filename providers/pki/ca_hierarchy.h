#pragma once
// Where a CertificateAuthority sits: a root (self-signed), a subordinate of
// a CA in the configuration (`parent: NAME`), a subordinate signed outside
// keyform (`parent: {external: true}`: a CSR, then `keyform ca install`), or
// an imported CA (`import:` certificate and key files). And when a resource
// that needs a CA's key must wait because the CA has no certificate yet.
#include <optional>
#include <string>

#include "providers/provider.h"

namespace keyform::pki {

// The recorded status of a CA: ACTIVE, or PENDING_CERTIFICATE while a CA
// with an external parent waits for `keyform ca install`.
inline constexpr const char* kStatusActive = "ACTIVE";
inline constexpr const char* kStatusPending = "PENDING_CERTIFICATE";

// "CertificateAuthority/<parent>" for `parent: NAME`; "" otherwise.
std::string parent_address(const nlohmann::json& spec);
bool has_external_parent(const nlohmann::json& spec);
bool is_imported(const nlohmann::json& spec);
bool is_pending(const RecordedResource& ca);

// Spec checks of the hierarchy: type vs parent, template vs pathLength, the
// parent's path length, import vs parent, subject required unless imported.
void validate_hierarchy(const Resource& r, const Config& c, const DiagnosticSink& error);

// The path length a CA's spec asks for (template or pathLength); nullopt:
// unlimited. Assumes a validated spec.
std::optional<int> spec_path_length(const nlohmann::json& spec);

// Why a resource that needs `ca`'s key (to issue under it) cannot be
// planned now: `ca` is, or is about to be, PENDING_CERTIFICATE. nullopt when
// it can go ahead.
std::optional<std::string> pending_issuer_reason(const DiffInput& in, const std::string& ca);

// Why a subordinate must be replaced because of its parent: the parent gets
// a new key in this plan, or got one since this CA was signed. nullopt for
// a root, an external parent, or an unchanged parent.
std::optional<std::string> parent_replaced_reason(const DiffInput& in);

// A CA keyform cannot sign itself (external parent, imported) and that is
// pending or due: a no-op saying what the operator must do (waiting while it
// is PENDING_CERTIFICATE). nullopt when keyform can handle it.
std::optional<Change> operator_action_needed(const DiffInput& in);

// A no-op with reasons: waiting (for a CA's certificate), or not (the
// operator must act).
Change no_op_because(std::vector<std::string> reasons, bool waiting);

// A create or replace of a CA with an external parent leaves it without a
// certificate: marks the change so the planner makes its dependents wait.
void mark_pending_outputs(const DiffInput& in, Change& c);

}  // namespace keyform::pki
