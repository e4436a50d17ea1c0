#include "reconciler/cli/apply_commit.h"

#include <iostream>

#include "state/backend.h"
#include "state/state_writer.h"

namespace keyform::cli {

void add_commit_flags(CLI::App* cmd, CommitChecks* checks) {
  cmd->add_flag("--allow-dirty", checks->allow_dirty,
                "Apply a working tree with uncommitted changes to the config (recorded as dirty)");
  cmd->add_flag("--allow-rollback", checks->allow_rollback,
                "Apply a commit that does not descend from the one last applied");
}

std::string backend_dir_in_config(const Workspace& ws) {
  return ws.state_dir().lexically_relative(ws.config().dir).generic_string();
}

std::optional<AppliedCommit> checked_commit(Workspace& ws, const State& state,
                                            const CommitChecks& checks) {
  std::vector<std::string> warnings;
  auto applied = check_commit(ws.origin(), backend_dir_in_config(ws), state, checks, &warnings);
  print_warnings(warnings, ws.style());
  return applied;
}

void record_commit(Workspace& ws, State& state, const std::optional<AppliedCommit>& applied,
                   UnixTime now) {
  if (!applied) return;
  std::optional<JournalRecord> record = commit_record(state, *applied, now);
  if (!record) return;
  StateWriter(ws.backend(), state).log_and_apply(std::move(*record));
  std::cout << "Recorded commit " << applied->commit.short_sha()
            << (applied->dirty ? " (dirty)" : "") << " as applied. State serial " << state.serial
            << ".\n";
}

}  // namespace keyform::cli
