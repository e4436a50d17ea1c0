#pragma once
// A rehearsal with a moved clock (KEYFORM_NOW) on a copy of a project must
// not replace the real deployed files: an absolute path in a copied config
// still names them, and the certificates written would not be valid yet.
#include "reconciler/config/resource.h"
#include "reconciler/plan.h"

namespace keyform::cli {

// Throws keyform::Error naming the first file a DeploymentTarget action of
// `plan` would write outside the configuration directory, when KEYFORM_NOW
// is set and KEYFORM_NOW_WRITE_OUTSIDE=1 is not.
void check_rehearsal_writes(const Config& config, const Plan& plan);

}  // namespace keyform::cli
