#include "reconciler/config/git_repository.h"

#include <git2.h>

#include <mutex>

#include "util/error.h"

namespace keyform {

namespace fs = std::filesystem;

namespace {

// libgit2 is initialised once and never shut down: the process ends first.
void init_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string last_git_error() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using GitPtr = std::unique_ptr<T, GitDeleter<T, Free>>;
using ObjectPtr = GitPtr<git_object, git_object_free>;
using CommitPtr = GitPtr<git_commit, git_commit_free>;
using TreePtr = GitPtr<git_tree, git_tree_free>;
using TreeEntryPtr = GitPtr<git_tree_entry, git_tree_entry_free>;
using OdbObjectPtr = GitPtr<git_odb_object, git_odb_object_free>;

std::string hex(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, oid);
  return buf;
}

git_oid oid_of(const std::string& sha) {
  git_oid oid;
  if (sha.size() != GIT_OID_HEXSZ || git_oid_fromstr(&oid, sha.c_str()) != 0)
    throw Error("\"" + sha + "\" is not a full git object id");
  return oid;
}

fs::path without_trailing_slash(const char* p) {
  std::string s = p ? p : "";
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return fs::path(s);
}

CommitPtr lookup_commit(git_repository* repo, const std::string& sha) {
  git_oid oid = oid_of(sha);
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, repo, &oid) != 0) return nullptr;
  return CommitPtr(c);
}

struct WalkState {
  const std::function<bool(const TreeEntry&)>* visit;
  std::exception_ptr error;
};

int walk_callback(const char* root, const git_tree_entry* entry, void* payload) {
  auto* state = static_cast<WalkState*>(payload);
  try {
    TreeEntry e;
    e.path = std::string(root) + git_tree_entry_name(entry);
    git_filemode_t mode = git_tree_entry_filemode(entry);
    e.tree = mode == GIT_FILEMODE_TREE;
    e.file = mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE;
    if (e.file) e.blob = hex(git_tree_entry_id(entry));
    bool descend = (*state->visit)(e);
    return e.tree && !descend ? 1 : 0;  // positive: skip this subtree
  } catch (...) {
    state->error = std::current_exception();
    return -1;
  }
}

}  // namespace

std::unique_ptr<GitRepository> GitRepository::discover(const fs::path& path) {
  init_libgit2();
  git_repository* repo = nullptr;
  int rc = git_repository_open_ext(&repo, path.string().c_str(), 0, nullptr);
  if (rc == GIT_ENOTFOUND) return nullptr;
  if (rc != 0)
    throw Error("cannot open the git repository at " + path.string() + ": " + last_git_error());
  return std::unique_ptr<GitRepository>(new GitRepository(repo));
}

GitRepository::GitRepository(git_repository* repo) : repo_(repo) {
  if (git_repository_odb(&odb_, repo_) != 0) {
    std::string message = last_git_error();
    git_repository_free(repo_);
    throw Error("cannot read the git object database: " + message);
  }
}

GitRepository::~GitRepository() {
  git_odb_free(odb_);
  git_repository_free(repo_);
}

bool GitRepository::bare() const { return git_repository_is_bare(repo_) == 1; }

fs::path GitRepository::workdir() const {
  const char* w = git_repository_workdir(repo_);
  return w ? without_trailing_slash(w) : fs::path();
}

fs::path GitRepository::git_dir() const {
  return without_trailing_slash(git_repository_path(repo_));
}

CommitInfo GitRepository::resolve(const std::string& rev) const {
  git_object* found = nullptr;
  if (rev.empty() || git_revparse_single(&found, repo_, rev.c_str()) != 0)
    throw Error("unknown revision \"" + rev + "\" in the git repository " + git_dir().string());
  ObjectPtr object(found);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, object.get(), GIT_OBJECT_COMMIT) != 0)
    throw Error("revision \"" + rev + "\" names a " +
                git_object_type2string(git_object_type(object.get())) + ", not a commit");
  CommitPtr commit(reinterpret_cast<git_commit*>(peeled));
  CommitInfo info;
  info.sha = hex(git_commit_id(commit.get()));
  const git_signature* author = git_commit_author(commit.get());
  info.author = std::string(author->name) + " <" + author->email + ">";
  info.time = static_cast<int64_t>(git_commit_time(commit.get()));
  return info;
}

bool GitRepository::has_commit(const std::string& sha) const {
  return lookup_commit(repo_, sha) != nullptr;
}

bool GitRepository::descends_from(const std::string& commit, const std::string& ancestor) const {
  if (commit == ancestor) return true;
  git_oid c = oid_of(commit), a = oid_of(ancestor);
  int rc = git_graph_descendant_of(repo_, &c, &a);
  if (rc < 0)
    throw Error("cannot compare commits " + commit + " and " + ancestor + ": " + last_git_error());
  return rc == 1;
}

void GitRepository::walk_tree(const std::string& commit, const std::string& dir,
                              const std::function<bool(const TreeEntry&)>& visit) const {
  CommitPtr c = lookup_commit(repo_, commit);
  if (!c) throw Error("no commit " + commit + " in " + git_dir().string());
  git_tree* root_raw = nullptr;
  if (git_commit_tree(&root_raw, c.get()) != 0)
    throw Error("cannot read the tree of commit " + commit + ": " + last_git_error());
  TreePtr tree(root_raw);
  if (!dir.empty()) {
    git_tree_entry* raw = nullptr;
    if (git_tree_entry_bypath(&raw, tree.get(), dir.c_str()) != 0)
      throw Error("commit " + commit.substr(0, 7) + " has no directory " + dir);
    TreeEntryPtr entry(raw);
    if (git_tree_entry_type(entry.get()) != GIT_OBJECT_TREE)
      throw Error("commit " + commit.substr(0, 7) + " has no directory " + dir + " (" + dir +
                  " is a file)");
    git_tree* sub = nullptr;
    if (git_tree_lookup(&sub, repo_, git_tree_entry_id(entry.get())) != 0)
      throw Error("cannot read " + dir + " in commit " + commit + ": " + last_git_error());
    tree.reset(sub);
  }
  WalkState state{&visit, nullptr};
  int rc = git_tree_walk(tree.get(), GIT_TREEWALK_PRE, walk_callback, &state);
  if (state.error) std::rethrow_exception(state.error);
  if (rc != 0) throw Error("cannot walk the tree of commit " + commit + ": " + last_git_error());
}

std::string GitRepository::read_blob(const std::string& blob) const {
  git_oid oid = oid_of(blob);
  git_odb_object* raw = nullptr;
  if (git_odb_read(&raw, odb_, &oid) != 0)
    throw Error("cannot read git object " + blob + ": " + last_git_error());
  OdbObjectPtr object(raw);
  return std::string(static_cast<const char*>(git_odb_object_data(object.get())),
                     git_odb_object_size(object.get()));
}

size_t GitRepository::blob_size(const std::string& blob) const {
  git_oid oid = oid_of(blob);
  size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  if (git_odb_read_header(&size, &type, odb_, &oid) != 0)
    throw Error("cannot read git object " + blob + ": " + last_git_error());
  return size;
}

}  // namespace keyform
