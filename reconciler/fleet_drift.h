#pragma once
// Drift of the fleet (docs/fleet.md, "Inventory"): for each DeploymentTarget
// with spec.hosts, which hosts serve an old serial or version of its source
// (not the one recorded now), have not reported within spec.fleet.
// reportWindow, or are enrolled for it and never deployed it. For a
// Certificate whose key each host makes, each host's own certificate
// (FleetCertificate) is the current one: a host is also behind when that
// one is past its renewal time or was revoked with the agent. Read from the
// agents' reports (FleetInventory), enrolments (FleetAgent) and issuances
// (FleetCertificate); nothing is contacted.
#include "reconciler/drift.h"

namespace keyform {

// One entry per target with hosts, MODIFIED when a host is behind, else
// IN_SYNC (NOT_CHECKED while its source is not recorded).
std::vector<DriftEntry> observe_fleet_inventory(const Config& config, const State& state,
                                                UnixTime now);

}  // namespace keyform
