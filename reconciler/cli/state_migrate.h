#pragma once
// keyform state migrate --to postgres|local: copies the whole state (the
// journal replayed into a snapshot, every sealed object) into an empty
// backend of the other type and verifies it there.
#include <string>

#include "reconciler/cli/workspace.h"

namespace keyform::cli {

int run_state_migrate(const GlobalOptions& global, const std::string& to);

}  // namespace keyform::cli
