#pragma once
// What apply checks and records about the git commit it carries out
// (docs/gitops.md, "What apply records and refuses").
#include <optional>
#include <string>
#include <vector>

#include "reconciler/config/config_origin.h"
#include "state/journal_record.h"
#include "state/state.h"
#include "util/time.h"

namespace keyform {

// The commit an apply carries out, as it will be recorded.
struct AppliedCommit {
  CommitInfo commit;
  bool dirty = false;  // the working tree differs from it (--allow-dirty)
};

struct CommitChecks {
  bool allow_dirty = false;     // --allow-dirty
  bool allow_rollback = false;  // --allow-rollback
};

// The commit the config of `origin` comes from; nullopt outside git (and in
// a repository with no commit yet, when allowed to be dirty). Throws
// keyform::Error when apply must refuse:
// - uncommitted changes to the config files, or a repository around the
//   working tree that cannot be opened, unless allow_dirty;
// - a commit that does not descend from state.git_commit (the last one
//   applied), or a last applied commit the repository does not hold (a
//   shallow clone, rewritten history), unless allow_rollback.
// `skip` is the backend's directory relative to the config's; `warnings`
// receives what was allowed by a flag.
std::optional<AppliedCommit> check_commit(const ConfigOrigin& origin, const std::string& skip,
                                          const State& state, const CommitChecks& checks,
                                          std::vector<std::string>* warnings);

// The same commit without refusing anything: what a saved plan records.
std::optional<AppliedCommit> config_commit(const ConfigOrigin& origin, const std::string& skip);

// The meta record that records `applied` (StateWriter gives it its serial); nullopt
// when the state records exactly it already.
std::optional<JournalRecord> commit_record(const State& state, const AppliedCommit& applied,
                                           UnixTime now);

}  // namespace keyform
