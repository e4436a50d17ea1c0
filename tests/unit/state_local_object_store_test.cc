#include <gtest/gtest.h>
#include <sys/stat.h>

#include "state/local/local_object_store.h"
#include "tests/unit/test_support.h"
#include "util/error.h"

namespace keyform {
namespace {

class LocalObjectStoreTest : public ::testing::Test {
 protected:
  LocalObjectStoreTest() : store_(tmp_.path()) {}
  testing::TempDir tmp_;
  LocalObjectStore store_;
};

TEST_F(LocalObjectStoreTest, PutGetExistsRemove) {
  EXPECT_FALSE(store_.exists("0a1b2c"));
  store_.put("0a1b2c", std::string("bytes\0with nul", 14));
  EXPECT_TRUE(store_.exists("0a1b2c"));
  EXPECT_EQ(store_.get("0a1b2c"), std::string("bytes\0with nul", 14));
  store_.remove("0a1b2c");
  EXPECT_FALSE(store_.exists("0a1b2c"));
  EXPECT_NO_THROW(store_.remove("0a1b2c"));
  EXPECT_THROW(store_.get("0a1b2c"), Error);
}

TEST_F(LocalObjectStoreTest, FilesAre0600InDirectoriesOf0700) {
  store_.put("ff0011", "x");
  struct stat st;
  ASSERT_EQ(::stat((tmp_.path() / "objects" / "ff" / "ff0011").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((tmp_.path() / "objects" / "ff").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(LocalObjectStoreTest, RewritingTheSameBytesIsAllowedOtherBytesAreNot) {
  store_.put("abc123", "one");
  EXPECT_NO_THROW(store_.put("abc123", "one"));
  EXPECT_THROW(store_.put("abc123", "two"), Error);
  EXPECT_EQ(store_.get("abc123"), "one");
}

TEST_F(LocalObjectStoreTest, IdsThatAreNotHexAreRefused) {
  for (const char* id : {"../../etc/passwd", "ab/cd", "ABCDEF", "", "a"})
    EXPECT_THROW(store_.put(id, "x"), Error) << id;
}

TEST_F(LocalObjectStoreTest, ListIsSortedAndSkipsTempFiles) {
  store_.put("bb02", "x");
  store_.put("aa01", "y");
  store_.put("bb01", "z");
  tmp_.write("objects/bb/bb03.tmp-123456", "partial");
  EXPECT_EQ(store_.list(), (std::vector<std::string>{"aa01", "bb01", "bb02"}));
}

TEST_F(LocalObjectStoreTest, SymlinkedFanoutDirectoryIsRefused) {
  testing::TempDir elsewhere;
  fs::create_directories(tmp_.path() / "objects");
  fs::create_directory_symlink(elsewhere.path(), tmp_.path() / "objects" / "cc");
  EXPECT_THROW(store_.put("cc0001", "x"), Error);
  EXPECT_TRUE(fs::is_empty(elsewhere.path()));
}

}  // namespace
}  // namespace keyform
