#pragma once
// Plan steps of the PKI that no single resource's diff can see:
//
//  - revocations: a Certificate replaced or deleted is revoked by the CA
//    that issued it (so is a subordinate CA whose recorded entry names its
//    parent in `issuer` and `issuer_public_key_sha256`, as a Certificate's
//    does). Each CA with something to revoke gets one `revoke`
//    action, placed after every config action (so after the replacements
//    it follows) and before the deletions (a deleted certificate's entry
//    goes only once its CA holds the revocation). Revocations still pending
//    in the state (a run that stopped between a replacement and its
//    revocation) are planned again.
//  - deletion windows: a CertificateAuthority removed from the
//    configuration is first scheduled (PENDING_DELETION, material kept),
//    then deleted once its window has passed.
//  - disabled issuers: issuing under a CA with enabled: false, or one
//    pending deletion, is a plan error.
#include <string>

#include "providers/provider.h"
#include "reconciler/config/resource.h"
#include "reconciler/plan.h"
#include "state/state.h"

namespace keyform {

// What the plan does with a recorded entry no longer in the configuration.
Change deletion_change(const RecordedResource& recorded, UnixTime now);

// Why a CA cannot leave the configuration: the certificates it issued that
// stay recorded (not deleted, not re-issued elsewhere in this plan).
std::string ca_deletion_error(const std::string& ca, const std::vector<std::string>& live);

// Adds the revoke actions and the issuing errors to a plan make_plan built.
// `targeted`: only revocations of certificates the plan covers.
void plan_pki(const Config& config, const State& state, bool targeted, Plan& plan);

}  // namespace keyform
