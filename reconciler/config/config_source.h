#pragma once
// Where the loader reads a config's files from: a directory on disk (the
// working tree) or the tree of a git commit (--rev). Both give the loader
// the same files under the same relative paths, so parsing, validation and
// every file:line:col are shared and read alike.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "reconciler/config/git_repository.h"

namespace keyform {

class ConfigSource {
 public:
  virtual ~ConfigSource() = default;
  // Where the files are, for messages: "DIR", or "main:infra (commit abc1234) in REPO".
  virtual std::string describe() const = 0;
  // Whether `rel` (relative to the root, '/'-separated) is a regular file.
  virtual bool has_file(const std::string& rel) const = 0;
  // The config files: every *.yaml and *.yml regular file below the root,
  // relative to it and sorted, skipping hidden files and directories (.git,
  // .keyform, ...) and the directory `skip` (relative to the root; the
  // backend's). Throws keyform::Error when the root cannot be listed.
  virtual std::vector<std::string> yaml_files(const std::string& skip) const = 0;
  // One file's bytes. Safe to call from several threads at once. Throws.
  virtual std::string read(const std::string& rel) const = 0;
};

// The files of a directory on disk (symlinks followed).
std::unique_ptr<ConfigSource> directory_source(const std::filesystem::path& dir);

// The files of `commit`'s tree below `dir` ("" the repository's root).
// Symlinks and submodules in the tree are not files. Throws keyform::Error
// when `dir` is not a directory of that tree. `rev` is the revision as the
// user wrote it, for messages. The repository must outlive the source.
std::unique_ptr<ConfigSource> git_tree_source(const GitRepository& repo, const CommitInfo& commit,
                                              const std::string& rev, const std::string& dir);

// The config files (keyform.yaml and yaml_files(skip)) that one source has
// and the other has not, or that differ in content; sorted.
std::vector<std::string> differing_files(const ConfigSource& a, const ConfigSource& b,
                                         const std::string& skip);

}  // namespace keyform
