#include "reconciler/config/config_source.h"

#include <algorithm>
#include <map>
#include <set>

#include "schema/yaml_document.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform {

namespace fs = std::filesystem;

namespace {

bool hidden_name(std::string_view name) { return !name.empty() && name[0] == '.'; }

bool yaml_name(std::string_view name) { return name.ends_with(".yaml") || name.ends_with(".yml"); }

// Checked before reading, whatever the source, so a huge file is refused.
void check_size(uintmax_t size) {
  if (size > yaml::kMaxFileBytes)
    throw Error("file too large (" + std::to_string(size) + " bytes; the limit is " +
                std::to_string(yaml::kMaxFileBytes >> 20) + " MiB)");
}

class DirectorySource : public ConfigSource {
 public:
  explicit DirectorySource(const fs::path& dir) : dir_(fs::absolute(dir).lexically_normal()) {}

  std::string describe() const override { return dir_.string(); }

  bool has_file(const std::string& rel) const override {
    std::error_code ec;
    return fs::is_regular_file(dir_ / rel, ec);
  }

  std::vector<std::string> yaml_files(const std::string& skip) const override {
    const fs::path skipped = (dir_ / skip).lexically_normal();
    std::vector<std::string> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec);
    if (ec) throw Error("cannot list " + dir_.string() + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) throw Error("cannot list " + dir_.string() + ": " + ec.message());
      const fs::path& p = it->path();
      bool is_dir = it->is_directory(ec);
      if (hidden_name(p.filename().native()) || (is_dir && p.lexically_normal() == skipped)) {
        if (is_dir) it.disable_recursion_pending();
        continue;
      }
      // A *.yaml that is not a regular file (a dangling symbolic link, a
      // FIFO) is listed all the same: read() then says what it is, rather
      // than its resources vanishing without a word.
      if (is_dir || !yaml_name(p.filename().native())) continue;
      out.push_back(p.lexically_relative(dir_).generic_string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string read(const std::string& rel) const override {
    const fs::path p = dir_ / rel;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      throw Error(fs::is_symlink(fs::symlink_status(p, ec))
                      ? "a symbolic link to nothing; remove it or fix its target"
                      : "not a regular file");
    }
    // Checked before reading, so a huge file is never held in memory.
    uintmax_t size = fs::file_size(p, ec);
    if (!ec) check_size(size);
    return read_file(p);
  }

 private:
  fs::path dir_;
};

class GitTreeSource : public ConfigSource {
 public:
  GitTreeSource(const GitRepository& repo, const CommitInfo& commit, const std::string& rev,
                const std::string& dir)
      : repo_(repo), dir_(dir) {
    description_ = rev + (dir_.empty() ? "" : ":" + dir_) + " (commit " + commit.short_sha() +
                   ") in " + repo.git_dir().string();
    // One walk lists every file, so that each lookup below is a map find
    // and read() needs nothing but the thread-safe object database.
    repo.walk_tree(commit.sha, dir_, [&](const TreeEntry& e) {
      if (e.file) blobs_.emplace(e.path, e.blob);
      return true;
    });
  }

  std::string describe() const override { return description_; }

  bool has_file(const std::string& rel) const override { return blobs_.count(rel) > 0; }

  std::vector<std::string> yaml_files(const std::string& skip) const override {
    const std::string skip_prefix = skip.empty() || skip == "." ? "" : skip + "/";
    std::vector<std::string> out;
    for (const auto& [path, blob] : blobs_) {
      if (!yaml_name(path) || (!skip_prefix.empty() && path.starts_with(skip_prefix))) continue;
      bool any_hidden = false;
      for (size_t start = 0; start <= path.size() && !any_hidden;) {
        size_t slash = path.find('/', start);
        any_hidden = hidden_name(std::string_view(path).substr(
            start, slash == std::string::npos ? std::string::npos : slash - start));
        start = slash == std::string::npos ? path.size() + 1 : slash + 1;
      }
      if (!any_hidden) out.push_back(path);
    }
    return out;  // a std::map iterates in sorted order
  }

  std::string read(const std::string& rel) const override {
    auto it = blobs_.find(rel);
    if (it == blobs_.end()) throw Error(rel + " is not in " + description_);
    // Checked from the header, so a huge blob is never held in memory.
    check_size(repo_.blob_size(it->second));
    return repo_.read_blob(it->second);
  }

 private:
  const GitRepository& repo_;
  std::string dir_;
  std::string description_;
  std::map<std::string, std::string> blobs_;  // path -> blob id, every regular file
};

}  // namespace

std::unique_ptr<ConfigSource> directory_source(const fs::path& dir) {
  return std::make_unique<DirectorySource>(dir);
}

std::unique_ptr<ConfigSource> git_tree_source(const GitRepository& repo, const CommitInfo& commit,
                                              const std::string& rev, const std::string& dir) {
  return std::make_unique<GitTreeSource>(repo, commit, rev, dir);
}

std::vector<std::string> differing_files(const ConfigSource& a, const ConfigSource& b,
                                         const std::string& skip) {
  std::vector<std::string> in_a = a.yaml_files(skip), in_b = b.yaml_files(skip);
  std::set<std::string> all(in_a.begin(), in_a.end());
  all.insert(in_b.begin(), in_b.end());
  std::set<std::string> set_a(in_a.begin(), in_a.end()), set_b(in_b.begin(), in_b.end());
  std::vector<std::string> out;
  for (const std::string& f : all)
    if (!set_a.count(f) || !set_b.count(f) || a.read(f) != b.read(f)) out.push_back(f);
  return out;
}

}  // namespace keyform
