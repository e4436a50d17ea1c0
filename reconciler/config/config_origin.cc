#include "reconciler/config/config_origin.h"

#include "util/error.h"

namespace keyform {

namespace fs = std::filesystem;

namespace {

// DIR's place in the working tree, '/'-separated, "" at its root.
std::string place_in(const fs::path& workdir, const fs::path& dir) {
  std::error_code ec;
  fs::path d = fs::weakly_canonical(dir, ec), w = fs::weakly_canonical(workdir, ec);
  std::string rel = d.lexically_relative(w).generic_string();
  if (rel == ".") return "";
  if (rel.empty() || rel.starts_with(".."))
    throw Error(dir.string() + " is not inside the working tree " + workdir.string());
  return rel;
}

std::string trimmed_path(std::string path) {
  while (path.starts_with("./")) path.erase(0, 2);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path == "." ? "" : path;
}

}  // namespace

ConfigOrigin locate_config(const fs::path& dir, const std::string& rev_arg) {
  ConfigOrigin o;
  std::error_code ec;
  const bool is_dir = fs::is_directory(dir, ec);
  if (rev_arg.empty()) {
    o.source = directory_source(dir);
    o.dir = fs::absolute(dir).lexically_normal();
    try {
      if (is_dir) o.repo = GitRepository::discover(dir);
    } catch (const Error& e) {
      o.git_error = e.what();
      return o;
    }
    if (!o.repo) return o;
    if (o.repo->bare())
      throw Error(dir.string() + " is in a bare git repository, which has no working tree: " +
                  "give --rev REV to read the config from a commit");
    o.subdir = place_in(o.repo->workdir(), dir);
    try {
      o.commit = o.repo->resolve("HEAD");
    } catch (const Error&) {
      // No commit yet: everything is uncommitted.
    }
    return o;
  }

  if (!is_dir) throw Error("-C " + dir.string() + ": no such directory");
  o.repo = GitRepository::discover(dir);
  if (!o.repo)
    throw Error("--rev " + rev_arg + ": " + fs::absolute(dir).lexically_normal().string() +
                " is not in a git repository");
  // REV:PATH, as in `git show main:infra/keyform.yaml`; a revision that
  // starts with ':' (":/message") has no PATH.
  std::string path;
  bool has_path = false;
  o.rev = rev_arg;
  if (size_t colon = rev_arg.find(':'); colon != std::string::npos && colon > 0) {
    o.rev = rev_arg.substr(0, colon);
    path = trimmed_path(rev_arg.substr(colon + 1));
    has_path = true;
  }
  try {
    o.commit = o.repo->resolve(o.rev);
  } catch (const Error& e) {
    throw Error("--rev " + rev_arg + ": " + e.what());
  }
  if (o.repo->bare()) {
    o.subdir = path;
    o.dir = fs::current_path();
  } else {
    o.subdir = has_path ? path : place_in(o.repo->workdir(), dir);
    o.dir = has_path ? (o.repo->workdir() / o.subdir).lexically_normal()
                     : fs::absolute(dir).lexically_normal();
  }
  try {
    o.source = git_tree_source(*o.repo, *o.commit, o.rev, o.subdir);
  } catch (const Error& e) {
    throw Error("--rev " + rev_arg + ": " + e.what());
  }
  return o;
}

std::vector<std::string> ConfigOrigin::uncommitted(const std::string& skip) const {
  if (!repo || from_rev()) return {};
  if (!commit) return source->yaml_files(skip);
  std::unique_ptr<ConfigSource> head;
  try {
    head = git_tree_source(*repo, *commit, "HEAD", subdir);
  } catch (const Error&) {
    return source->yaml_files(skip);  // the config's directory is not in HEAD at all
  }
  return differing_files(*source, *head, skip);
}

}  // namespace keyform
