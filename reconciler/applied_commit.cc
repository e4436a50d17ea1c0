#include "reconciler/applied_commit.h"

#include "util/error.h"

namespace keyform {

namespace {

std::string file_list(const std::vector<std::string>& files) {
  constexpr size_t kShown = 5;
  std::string out;
  for (size_t i = 0; i < files.size() && i < kShown; ++i) out += (i ? ", " : "") + files[i];
  if (files.size() > kShown) out += " and " + std::to_string(files.size() - kShown) + " more";
  return out;
}

std::string short_sha(const std::string& sha) { return sha.substr(0, 7); }

void check_descends(const GitRepository& repo, const std::string& last, const CommitInfo& next,
                    const CommitChecks& checks, std::vector<std::string>* warnings) {
  if (last.empty() || last == next.sha) return;
  std::string problem;
  if (!repo.has_commit(last)) {
    problem = "the commit last applied, " + short_sha(last) + ", is not in the repository " +
              repo.git_dir().string() +
              " (a shallow clone, or rewritten history?), so keyform cannot tell whether " +
              next.short_sha() + " rolls back";
    if (!checks.allow_rollback)
      throw Error(problem + ": fetch the history, or pass --allow-rollback to apply it anyway");
  } else if (!repo.descends_from(next.sha, last)) {
    problem = "would roll back from " + short_sha(last) + " to " + next.short_sha() + ": " +
              next.short_sha() + " does not descend from " + short_sha(last) +
              ", the commit last applied";
    if (!checks.allow_rollback) throw Error(problem + "; pass --allow-rollback to apply it anyway");
  } else {
    return;
  }
  warnings->push_back(problem + " (allowed by --allow-rollback)");
}

}  // namespace

std::optional<AppliedCommit> config_commit(const ConfigOrigin& origin, const std::string& skip) {
  if (!origin.repo || !origin.commit) return std::nullopt;
  return AppliedCommit{*origin.commit, !origin.uncommitted(skip).empty()};
}

std::optional<AppliedCommit> check_commit(const ConfigOrigin& origin, const std::string& skip,
                                          const State& state, const CommitChecks& checks,
                                          std::vector<std::string>* warnings) {
  if (!origin.git_error.empty()) {
    if (!checks.allow_dirty)
      throw Error(origin.git_error +
                  "; keyform cannot check the commit it would apply: fix that, or pass "
                  "--allow-dirty to apply the working tree with no commit recorded");
    warnings->push_back(origin.git_error + "; applying the working tree (--allow-dirty)");
  }
  if (!origin.repo) return std::nullopt;
  std::vector<std::string> changed = origin.uncommitted(skip);
  if (!changed.empty()) {
    std::string problem = "the configuration has uncommitted changes (" + file_list(changed) + ")";
    if (!checks.allow_dirty)
      throw Error(problem +
                  ": commit them, or pass --allow-dirty to apply the working tree as it is");
    warnings->push_back(problem + "; applying them (--allow-dirty)" +
                        (origin.commit ? ", recorded as " + origin.commit->short_sha() + " dirty"
                                       : ", with no commit recorded"));
  }
  if (!origin.commit) return std::nullopt;
  check_descends(*origin.repo, state.git_commit, *origin.commit, checks, warnings);
  return AppliedCommit{*origin.commit, !changed.empty()};
}

std::optional<JournalRecord> commit_record(const State& state, const AppliedCommit& applied,
                                           UnixTime now) {
  if (state.git_commit == applied.commit.sha && state.git_dirty == applied.dirty &&
      state.git_author == applied.commit.author && state.git_commit_time == applied.commit.time)
    return std::nullopt;
  JournalRecord r;
  r.type = JournalRecord::Type::kMeta;
  r.git_commit = applied.commit.sha;
  r.git_author = applied.commit.author;
  r.git_commit_time = applied.commit.time;
  r.git_dirty = applied.dirty;
  r.time = now;
  return r;
}

}  // namespace keyform
