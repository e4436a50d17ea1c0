#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "providers/file_system.h"
#include "tests/unit/test_support.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform {
namespace {

namespace fs = std::filesystem;

FileToWrite file(const fs::path& base, const std::string& rel, std::string_view content,
                 mode_t mode = 0600) {
  FileToWrite f;
  f.base = base;
  f.path = base / rel;
  f.content = SecretBytes(content);
  f.mode = mode;
  return f;
}

mode_t mode_of(const fs::path& p) {
  struct stat st;
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(PosixFileSystem, WritesFilesWithTheirModesAndPrivateDirectories) {
  testing::TempDir dir;
  std::vector<FileToWrite> files = {file(dir.path(), "out/a/key.pem", "KEY"),
                                    file(dir.path(), "out/a/cert.pem", "CERT", 0644)};
  PosixFileSystem().write_group(files);
  EXPECT_EQ(read_file(dir.path() / "out/a/key.pem"), "KEY");
  EXPECT_EQ(read_file(dir.path() / "out/a/cert.pem"), "CERT");
  EXPECT_EQ(mode_of(dir.path() / "out/a/key.pem"), 0600u);
  EXPECT_EQ(mode_of(dir.path() / "out/a/cert.pem"), 0644u);
  EXPECT_EQ(mode_of(dir.path() / "out"), 0700u);
  EXPECT_EQ(mode_of(dir.path() / "out/a"), 0700u);
}

TEST(PosixFileSystem, RefusesASymlinkedFileAndWritesNothing) {
  testing::TempDir dir;
  dir.write("out/cert.pem", "OLD");
  fs::create_symlink(dir.path() / "elsewhere", dir.path() / "out/key.pem");
  std::vector<FileToWrite> files = {file(dir.path(), "out/cert.pem", "NEW"),
                                    file(dir.path(), "out/key.pem", "KEY")};
  try {
    PosixFileSystem().write_group(files);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(dir.path() / "out/cert.pem"), "OLD");  // the group did not switch
  EXPECT_FALSE(fs::exists(dir.path() / "elsewhere"));
  for (const auto& e : fs::directory_iterator(dir.path() / "out"))
    EXPECT_EQ(e.path().filename().string().find(".keyform-"), std::string::npos) << e.path();
}

TEST(PosixFileSystem, RefusesASymlinkedDirectory) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / "real");
  fs::create_directory_symlink(dir.path() / "real", dir.path() / "out");
  std::vector<FileToWrite> files = {file(dir.path(), "out/key.pem", "KEY")};
  EXPECT_THROW(PosixFileSystem().write_group(files), Error);
  EXPECT_TRUE(fs::is_empty(dir.path() / "real"));
}

TEST(PosixFileSystem, RemovesTempFilesAKilledRunLeftBehind) {
  testing::TempDir dir;
  dir.write("out/.key.pem.keyform-0a1b2c3d4e5f", "HALF A KEY");
  dir.write("out/.other.pem.keyform-0a1b2c3d4e5f", "SOMEONE ELSE'S");
  std::vector<FileToWrite> files = {file(dir.path(), "out/key.pem", "KEY")};
  PosixFileSystem().write_group(files);
  EXPECT_FALSE(fs::exists(dir.path() / "out/.key.pem.keyform-0a1b2c3d4e5f"));
  EXPECT_TRUE(fs::exists(dir.path() / "out/.other.pem.keyform-0a1b2c3d4e5f"));
}

TEST(PosixFileSystem, RemoveNeverFollowsALink) {
  testing::TempDir dir;
  dir.write("target", "KEEP");
  fs::create_symlink(dir.path() / "target", dir.path() / "link");
  EXPECT_THROW(PosixFileSystem().remove(dir.path(), dir.path() / "link"), Error);
  EXPECT_TRUE(fs::exists(dir.path() / "target"));
  PosixFileSystem().remove(dir.path(), dir.path() / "missing");  // not an error
}

}  // namespace
}  // namespace keyform

namespace keyform {
namespace {

namespace fs = std::filesystem;

bool has_leftovers(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".keyform-") != std::string::npos) return true;
  return false;
}

std::vector<FileToWrite> pair_of(const fs::path& base, std::string_view cert,
                                 std::string_view key) {
  FileToWrite c;
  c.base = base;
  c.path = base / "tls/cert.pem";
  c.content = SecretBytes(cert);
  c.mode = 0644;
  FileToWrite k;
  k.base = base;
  k.path = base / "tls/key.pem";
  k.content = SecretBytes(key);
  return {std::move(c), std::move(k)};
}

TEST(PosixFileSystemSwitch, RestoreGroupPutsThePreviousVersionsBack) {
  testing::TempDir dir;
  PosixFileSystem fs;
  auto v1 = pair_of(dir.path(), "CERT1", "KEY1");
  fs.write_group(v1);
  fs.commit_group(v1);
  EXPECT_FALSE(has_leftovers(dir.path() / "tls"));

  auto v2 = pair_of(dir.path(), "CERT2", "KEY2");
  fs.write_group(v2);
  EXPECT_EQ(read_file(dir.path() / "tls/cert.pem"), "CERT2");
  fs.restore_group(v2);
  EXPECT_EQ(read_file(dir.path() / "tls/cert.pem"), "CERT1");
  EXPECT_EQ(read_file(dir.path() / "tls/key.pem"), "KEY1");
  EXPECT_FALSE(has_leftovers(dir.path() / "tls"));
}

TEST(PosixFileSystemSwitch, RestoringAFirstDeploymentRemovesItsFiles) {
  testing::TempDir dir;
  PosixFileSystem fs;
  auto v1 = pair_of(dir.path(), "CERT1", "KEY1");
  fs.write_group(v1);
  fs.restore_group(v1);
  EXPECT_FALSE(fs::exists(dir.path() / "tls/cert.pem"));
  EXPECT_FALSE(fs::exists(dir.path() / "tls/key.pem"));
  EXPECT_FALSE(has_leftovers(dir.path() / "tls"));
}

TEST(PosixFileSystemSwitch, CommitKeepsTheNewVersionAndDropsThePrevious) {
  testing::TempDir dir;
  PosixFileSystem fs;
  auto v1 = pair_of(dir.path(), "CERT1", "KEY1");
  fs.write_group(v1);
  fs.commit_group(v1);
  auto v2 = pair_of(dir.path(), "CERT2", "KEY2");
  fs.write_group(v2);
  fs.commit_group(v2);
  EXPECT_EQ(read_file(dir.path() / "tls/key.pem"), "KEY2");
  EXPECT_FALSE(has_leftovers(dir.path() / "tls"));
  fs.restore_group(v2);  // nothing kept: a no-op
  EXPECT_EQ(read_file(dir.path() / "tls/key.pem"), "KEY2");
}

// What a kill in the middle of a switch leaves: one file already the new
// version, the other still the old, both previous versions kept. The next
// write of the group first rolls back to the whole old version, so the
// version it keeps (and would restore) is never a mixture.
TEST(PosixFileSystemSwitch, AnInterruptedSwitchIsRolledBackByTheNextWrite) {
  testing::TempDir dir;
  PosixFileSystem fs;
  auto v1 = pair_of(dir.path(), "CERT1", "KEY1");
  fs.write_group(v1);
  fs.commit_group(v1);
  const fs::path tls = dir.path() / "tls";
  fs::create_hard_link(tls / "cert.pem", tls / ".cert.pem.keyform-prev");
  fs::create_hard_link(tls / "key.pem", tls / ".key.pem.keyform-prev");
  fs::remove(tls / "cert.pem");
  std::ofstream(tls / "cert.pem") << "CERT2";  // renamed in before the kill

  auto v3 = pair_of(dir.path(), "CERT3", "KEY3");
  fs.write_group(v3);
  EXPECT_EQ(read_file(tls / "cert.pem"), "CERT3");
  fs.restore_group(v3);
  EXPECT_EQ(read_file(tls / "cert.pem"), "CERT1");
  EXPECT_EQ(read_file(tls / "key.pem"), "KEY1");
  EXPECT_FALSE(has_leftovers(tls));
}

TEST(PosixFileSystemSwitch, AnInterruptedFirstDeploymentIsRolledBackToNothing) {
  testing::TempDir dir;
  PosixFileSystem fs;
  const fs::path tls = dir.path() / "tls";
  fs::create_directories(tls);
  std::ofstream(tls / ".cert.pem.keyform-absent");
  std::ofstream(tls / "cert.pem") << "HALF";
  auto v = pair_of(dir.path(), "CERT", "KEY");
  fs.write_group(v);
  fs.restore_group(v);
  EXPECT_FALSE(fs::exists(tls / "cert.pem"));
  EXPECT_FALSE(has_leftovers(tls));
}

TEST(PosixFileSystemSwitch, RemoveAlsoDropsAKeptPreviousVersion) {
  testing::TempDir dir;
  PosixFileSystem fs;
  auto v1 = pair_of(dir.path(), "CERT1", "KEY1");
  fs.write_group(v1);
  fs.commit_group(v1);
  auto v2 = pair_of(dir.path(), "CERT2", "KEY2");
  fs.write_group(v2);  // not committed: a previous key is kept
  fs.remove(dir.path(), dir.path() / "tls/key.pem");
  EXPECT_FALSE(fs::exists(dir.path() / "tls/key.pem"));
  EXPECT_FALSE(fs::exists(dir.path() / "tls/.key.pem.keyform-prev"));
}

}  // namespace
}  // namespace keyform
