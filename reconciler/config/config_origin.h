#pragma once
// Where a command's config comes from (docs/gitops.md, "Configs from git"):
//
// - Without a revision: the directory DIR (-C) on disk. When DIR is inside a
//   git working tree, `repo` is that repository and `commit` its HEAD (none
//   before the first commit): apply records it, after refusing uncommitted
//   changes to the config.
// - With --rev REV or --rev REV:PATH: the tree of the commit REV names in the
//   repository holding DIR, below PATH (relative to the repository's root)
//   or, without PATH, below DIR's place in the working tree (the root in a
//   bare repository). Nothing on disk is read for the config. Relative paths
//   in the config (the backend's path, deployment paths) resolve against the
//   working tree's matching directory; a bare repository has none, so they
//   resolve against the current directory.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reconciler/config/config_source.h"
#include "reconciler/config/git_repository.h"

namespace keyform {

struct ConfigOrigin {
  std::unique_ptr<GitRepository> repo;  // null: DIR is in no git repository
  std::optional<CommitInfo> commit;     // REV's commit, or the working tree's HEAD
  std::string rev;                      // as given, without :PATH; empty: the working tree
  std::string subdir;                   // the config's directory in the repository, "" its root
  std::unique_ptr<ConfigSource> source;
  std::filesystem::path dir;  // Config::dir: where relative paths in the config resolve
  // Without --rev: why the repository around DIR could not be opened (one
  // owned by another user, a damaged one). Reading the working tree needs no
  // repository, so only apply, which must check the commit, refuses.
  std::string git_error;

  bool from_rev() const { return !rev.empty(); }
  // Without --rev inside a working tree: the config files (relative to the
  // config directory) whose contents differ from HEAD's, or that only one of
  // them has; every config file before the first commit. Empty outside git
  // and with --rev. `skip`: the backend's directory, relative to it.
  std::vector<std::string> uncommitted(const std::string& skip) const;
};

// Throws keyform::Error (exit 1) for a revision given outside any git
// repository, one that names no commit, a PATH that is not a directory of
// its tree, and for a bare repository without a revision.
ConfigOrigin locate_config(const std::filesystem::path& dir, const std::string& rev);

}  // namespace keyform
