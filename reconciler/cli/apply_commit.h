#pragma once
// apply's side of GitOps: --allow-dirty and --allow-rollback, the checks they
// relax, and recording the applied commit in the state (applied_commit.h).
#include <optional>

#include "reconciler/applied_commit.h"
#include "reconciler/cli/workspace.h"

namespace keyform::cli {

void add_commit_flags(CLI::App* cmd, CommitChecks* checks);

// The backend's directory relative to the config's: not config files.
std::string backend_dir_in_config(const Workspace& ws);

// check_commit() for the workspace's config, printing what a flag allowed
// to stderr. Throws keyform::Error when apply must refuse.
std::optional<AppliedCommit> checked_commit(Workspace& ws, const State& state,
                                            const CommitChecks& checks);

// After an apply that completed: records `applied` in the state (a meta
// journal record) unless the state records it already.
void record_commit(Workspace& ws, State& state, const std::optional<AppliedCommit>& applied,
                   UnixTime now);

}  // namespace keyform::cli
