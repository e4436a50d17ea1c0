#pragma once
// A git repository read through libgit2: revisions, commit trees and
// ancestry. Read-only: keyform never writes to a repository, its index or
// its working tree. Errors are keyform::Error with a message for a user.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

struct git_repository;
struct git_odb;

namespace keyform {

// A commit as keyform records it (state, saved plans).
struct CommitInfo {
  std::string sha;     // full hex
  std::string author;  // "Name <email>"
  int64_t time = 0;    // committer time, unix seconds

  std::string short_sha() const { return sha.substr(0, 7); }
};

// One entry of a commit's tree, as walk_tree() visits it.
struct TreeEntry {
  std::string path;   // relative to the walked directory, '/'-separated
  bool tree = false;  // a directory
  bool file = false;  // a regular (or executable) file; not a symlink or submodule
  std::string blob;   // the file's object id (hex) when `file`
};

class GitRepository {
 public:
  // The repository holding `path` (searched upward, as git does; a bare
  // repository too); null when there is none.
  static std::unique_ptr<GitRepository> discover(const std::filesystem::path& path);
  ~GitRepository();
  GitRepository(const GitRepository&) = delete;
  GitRepository& operator=(const GitRepository&) = delete;

  bool bare() const;
  // The working tree, absolute and without a trailing slash; empty when bare.
  std::filesystem::path workdir() const;
  // The repository's git directory (the bare repository itself), for messages.
  std::filesystem::path git_dir() const;

  // The commit `rev` names (a branch, tag, sha, HEAD~1, ...). Throws Error
  // ("unknown revision ...") when it names none.
  CommitInfo resolve(const std::string& rev) const;
  // Whether the repository holds the commit `sha` (full hex).
  bool has_commit(const std::string& sha) const;
  // Whether `commit` is `ancestor` or one of its descendants. Both must exist.
  bool descends_from(const std::string& commit, const std::string& ancestor) const;

  // Visits the tree of `commit` below `dir` ("" the root) in pre-order;
  // `visit` returns false to skip a directory's contents. Throws Error when
  // `dir` is not a directory in that tree.
  void walk_tree(const std::string& commit, const std::string& dir,
                 const std::function<bool(const TreeEntry&)>& visit) const;
  // A blob's contents. Safe to call from several threads at once (libgit2's
  // object database locks itself).
  std::string read_blob(const std::string& blob) const;
  // A blob's size in bytes, read from its header (the contents stay unread).
  size_t blob_size(const std::string& blob) const;

 private:
  explicit GitRepository(git_repository* repo);
  git_repository* repo_;
  git_odb* odb_ = nullptr;
};

}  // namespace keyform
