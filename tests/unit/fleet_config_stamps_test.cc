#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "fleet/config_stamps.h"
#include "test_support.h"

namespace keyform::fleet {
namespace {

struct ConfigDir {
  testing::TempDir dir;
  ConfigDir() {
    dir.write("keyform.yaml", "kind: Project\nname: p\n");
    dir.write("pki/web.yaml", "kind: KmsKey\nname: a\n");
  }
  std::string stamps() const { return config_stamps(dir.path(), ".keyform"); }
  std::string digest() const { return config_digest(dir.path(), ".keyform"); }
};

TEST(ConfigStamps, AnAddedRemovedOrRewrittenFileChangesThem) {
  ConfigDir c;
  const std::string before = c.stamps();
  EXPECT_EQ(c.stamps(), before) << "nothing changed";
  c.dir.write("pki/more.yml", "kind: KmsKey\nname: b\n");
  const std::string added = c.stamps();
  EXPECT_NE(added, before);
  std::filesystem::remove(c.dir.path() / "pki/more.yml");
  EXPECT_EQ(c.stamps(), before);
  c.dir.write("pki/web.yaml", "kind: KmsKey\nname: z\n");  // same size
  EXPECT_NE(c.stamps(), before);
}

TEST(ConfigStamps, FilesTheLoaderSkipsDoNotCount) {
  ConfigDir c;
  const std::string stamps = c.stamps(), digest = c.digest();
  c.dir.write(".keyform/state.json", "{}");
  c.dir.write(".git/x.yaml", "a: 1\n");
  c.dir.write("notes.txt", "hello\n");
  EXPECT_EQ(c.stamps(), stamps);
  EXPECT_EQ(c.digest(), digest);
}

TEST(ConfigStamps, TheDigestSeesARewriteTheStampsMiss) {
  ConfigDir c;
  const std::filesystem::path f = c.dir.path() / "pki/web.yaml";
  struct stat st {};
  ASSERT_EQ(::stat(f.c_str(), &st), 0);
  const std::string digest = c.digest();
  c.dir.write("pki/web.yaml", "kind: KmsKey\nname: y\n");
  // Put the times back, as a rewrite within one timestamp tick leaves them.
  const timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, f.c_str(), times, 0), 0);
  EXPECT_NE(c.digest(), digest);
}

}  // namespace
}  // namespace keyform::fleet
