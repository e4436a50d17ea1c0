#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "providers/builtin.h"
#include "reconciler/applied_commit.h"
#include "reconciler/config/config_origin.h"
#include "reconciler/config/loader.h"
#include "state/backend.h"
#include "tests/unit/test_support.h"
#include "util/error.h"

namespace keyform {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;

// A real repository made with the git command line, as users make theirs.
class GitSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* var : {"GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"}) setenv(var, "Ada", 1);
    for (const char* var : {"GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"})
      setenv(var, "ada@example.org", 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    git("init -q -b main");
  }

  void git(const std::string& args) {
    std::string cmd = "git -C '" + dir_.path().string() + "' " + args + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  void commit_all(const std::string& message) {
    git("add -A");
    git("commit -q -m '" + message + "'");
  }
  std::unique_ptr<GitRepository> repo() {
    auto r = GitRepository::discover(dir_.path());
    EXPECT_NE(r, nullptr);
    return r;
  }

  TempDir dir_;
};

TEST_F(GitSourceTest, ListsTheTreesYamlFilesSkippingHiddenAndTheBackend) {
  dir_.write("keyform.yaml", "kind: Project\nname: demo\n");
  dir_.write("a.yaml", "a\n");
  dir_.write("sub/b.yml", "b\n");
  dir_.write(".hidden/c.yaml", "c\n");
  dir_.write("state/d.yaml", "d\n");
  dir_.write("notes.txt", "not config\n");
  commit_all("one");
  auto r = repo();
  CommitInfo head = r->resolve("HEAD");
  EXPECT_EQ(head.author, "Ada <ada@example.org>");
  EXPECT_EQ(head.sha.size(), 40u);
  auto source = git_tree_source(*r, head, "HEAD", "");
  EXPECT_THAT(source->yaml_files("state"), ElementsAre("a.yaml", "keyform.yaml", "sub/b.yml"));
  EXPECT_TRUE(source->has_file("keyform.yaml"));
  EXPECT_FALSE(source->has_file("missing.yaml"));
  EXPECT_EQ(source->read("sub/b.yml"), "b\n");
  auto sub = git_tree_source(*r, head, "HEAD", "sub");
  EXPECT_THAT(sub->yaml_files(""), ElementsAre("b.yml"));
}

TEST_F(GitSourceTest, ReadsTheCommitNotTheWorkingTree) {
  dir_.write("keyform.yaml", "kind: Project\nname: committed\n");
  commit_all("one");
  dir_.write("keyform.yaml", "kind: Project\nname: edited\n");
  dir_.write("new.yaml", "x\n");
  auto r = repo();
  auto source = git_tree_source(*r, r->resolve("main"), "main", "");
  EXPECT_EQ(source->read("keyform.yaml"), "kind: Project\nname: committed\n");
  EXPECT_FALSE(source->has_file("new.yaml"));
  EXPECT_THAT(differing_files(*directory_source(dir_.path()), *source, ".keyform"),
              ElementsAre("keyform.yaml", "new.yaml"));
}

TEST_F(GitSourceTest, AHugeBlobIsRefusedBeforeItIsRead) {
  dir_.write("keyform.yaml", "kind: Project\nname: demo\n");
  dir_.write("big.yaml", std::string((16u << 20) + 1, '#'));
  commit_all("one");
  auto r = repo();
  auto source = git_tree_source(*r, r->resolve("HEAD"), "HEAD", "");
  try {
    source->read("big.yaml");
    FAIL() << "read a blob past the size limit";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("file too large (16777217 bytes; the limit is 16 MiB)"));
  }
}

TEST_F(GitSourceTest, ABadRevisionOrDirectoryIsAClearError) {
  dir_.write("keyform.yaml", "kind: Project\nname: demo\n");
  commit_all("one");
  auto r = repo();
  try {
    r->resolve("no-such-branch");
    FAIL() << "resolved a revision that does not exist";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown revision \"no-such-branch\""));
  }
  EXPECT_THROW(git_tree_source(*r, r->resolve("HEAD"), "HEAD", "nowhere"), Error);
  EXPECT_THROW(git_tree_source(*r, r->resolve("HEAD"), "HEAD", "keyform.yaml"), Error);
  try {
    locate_config(dir_.path(), "main:nowhere");
    FAIL() << "located a config in a directory the commit does not have";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("--rev main:nowhere: commit"));
    EXPECT_THAT(e.what(), HasSubstr("has no directory nowhere"));
  }
}

TEST_F(GitSourceTest, ARevisionOutsideAnyRepositoryIsAnError) {
  TempDir elsewhere;
  EXPECT_EQ(GitRepository::discover(elsewhere.path()), nullptr);
  try {
    locate_config(elsewhere.path(), "main");
    FAIL() << "located a revision outside any repository";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("is not in a git repository"));
  }
  ConfigOrigin o = locate_config(elsewhere.path(), "");
  EXPECT_EQ(o.repo, nullptr);
  EXPECT_FALSE(o.commit.has_value());
}

TEST_F(GitSourceTest, DiagnosticsFromATreeNameFilesRelativeToTheConfigDirectory) {
  dir_.write("infra/keyform.yaml", "kind: Project\nname: demo\n");
  dir_.write("infra/certs/web.yaml", "kind: Certifcate\nname: web\nspec: {}\n");
  commit_all("one");
  ConfigOrigin o = locate_config(dir_.path() / "infra", "HEAD");
  EXPECT_EQ(o.subdir, "infra");
  try {
    load_config(*o.source, o.dir, builtin_providers());
    FAIL() << "loaded a config with an unknown kind";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].pos.str(), "certs/web.yaml:1:7");
    EXPECT_THAT(e.diagnostics()[0].message, HasSubstr("unknown kind \"Certifcate\""));
  }
}

TEST_F(GitSourceTest, AncestryAndUncommittedChanges) {
  dir_.write("keyform.yaml", "kind: Project\nname: demo\n");
  commit_all("one");
  std::string first = repo()->resolve("HEAD").sha;
  dir_.write("a.yaml", "a\n");
  commit_all("two");
  auto r = repo();
  std::string second = r->resolve("HEAD").sha;
  EXPECT_TRUE(r->descends_from(second, first));
  EXPECT_FALSE(r->descends_from(first, second));
  EXPECT_TRUE(r->descends_from(first, first));
  EXPECT_FALSE(r->has_commit(std::string(40, 'a')));

  ConfigOrigin clean = locate_config(dir_.path(), "");
  ASSERT_TRUE(clean.commit.has_value());
  EXPECT_EQ(clean.commit->sha, second);
  EXPECT_TRUE(clean.uncommitted(".keyform").empty());
  dir_.write("README.md", "not config\n");
  dir_.write(".keyform/state.yaml", "the backend's\n");
  EXPECT_TRUE(clean.uncommitted(".keyform").empty());
  std::filesystem::remove(dir_.path() / "a.yaml");
  EXPECT_THAT(clean.uncommitted(".keyform"), ElementsAre("a.yaml"));
}

TEST_F(GitSourceTest, ALastAppliedCommitTheRepositoryLacksIsRefusedUnlessAllowed) {
  dir_.write("keyform.yaml", "kind: Project\nname: demo\n");
  commit_all("one");
  ConfigOrigin o = locate_config(dir_.path(), "HEAD");
  State state;
  state.serial = 4;
  state.git_commit = std::string(40, 'a');  // e.g. fetched away by a shallow clone
  std::vector<std::string> warnings;
  try {
    check_commit(o, ".keyform", state, CommitChecks{}, &warnings);
    FAIL() << "accepted a commit whose relation to the last applied is unknown";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("the commit last applied, aaaaaaa, is not in the repository"));
    EXPECT_THAT(e.what(), HasSubstr("--allow-rollback"));
  }
  auto applied = check_commit(o, ".keyform", state, CommitChecks{false, true}, &warnings);
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(applied->commit.sha, o.commit->sha);
  EXPECT_EQ(warnings.size(), 1u);

  auto record = commit_record(state, *applied, 1'800'000'000);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->git_commit, o.commit->sha);
  record->serial = state.serial + 1;  // StateWriter assigns it when journalling
  apply_record(state, *record);
  EXPECT_FALSE(commit_record(state, *applied, 1'800'000'001).has_value());
}

}  // namespace
}  // namespace keyform
