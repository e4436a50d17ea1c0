#include <gtest/gtest.h>

#include <fstream>

#include "state/audit_log.h"
#include "state/local/local_backend.h"
#include "test_support.h"
#include "util/file_io.h"

namespace keyform {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  AuditLogTest() : backend(make_local_backend(dir.path() / ".keyform")) {
    State s;
    s.lineage = "l";
    backend->create(s);
  }
  void append(int n) {
    std::vector<AuditRecord> records;
    for (int i = 0; i < n; ++i) {
      AuditRecord r;
      r.time = "2026-01-01T00:00:00Z";
      r.principal = "account:1/role:owner";
      r.action = "create";
      r.resource = "Certificate/c" + std::to_string(i);
      r.outcome = "ok";
      records.push_back(r);
    }
    append_audit(*backend, records);
  }
  std::vector<std::string> lines() { return backend->read_audit(); }
  std::string problems(const std::vector<std::string>& l) {
    std::string out;
    for (const AuditProblem& p : verify_audit(l).problems) out += p.message + "\n";
    return out;
  }
  testing::TempDir dir;
  std::unique_ptr<Backend> backend;
};

TEST_F(AuditLogTest, ChainsAcrossAppends) {
  append(2);
  append(3);
  auto l = lines();
  ASSERT_EQ(l.size(), 5u);
  AuditVerification v = verify_audit(l);
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(AuditRecord::from_json(nlohmann::json::parse(l[4])).seq, 5u);
  EXPECT_EQ(v.head, AuditRecord::from_json(nlohmann::json::parse(l[4])).hash);
}

TEST_F(AuditLogTest, DetectsAnEditedRecord) {
  append(3);
  auto l = lines();
  l[1].replace(l[1].find("Certificate/c1"), 14, "Certificate/cX");
  EXPECT_EQ(problems(l), "line 2: record 2 was edited (its hash does not match its contents)\n");
}

TEST_F(AuditLogTest, DetectsAnEditWithARecomputedHash) {
  append(3);
  auto l = lines();
  AuditRecord r = AuditRecord::from_json(nlohmann::json::parse(l[1]));
  r.outcome = "failed";
  r.hash = audit_hash(r);
  l[1] = r.to_json().dump();
  EXPECT_EQ(problems(l),
            "line 2: record 2 was changed (record 3 records a different hash for it)\n");
}

TEST_F(AuditLogTest, DetectsARemovedRecord) {
  append(4);
  auto l = lines();
  l.erase(l.begin() + 1);
  EXPECT_EQ(problems(l), "line 2: record 2 was removed before record 3\n");
}

TEST_F(AuditLogTest, DetectsSwappedRecords) {
  append(4);
  auto l = lines();
  std::swap(l[1], l[2]);
  EXPECT_EQ(problems(l), "lines 2 and 3: records 2 and 3 were swapped\n");
}

TEST_F(AuditLogTest, DetectsAnUnreadableLine) {
  append(2);
  auto l = lines();
  l[0][0] = 'x';
  EXPECT_NE(problems(l).find("line 1 is not a readable audit record"), std::string::npos);
}

TEST_F(AuditLogTest, ATornLastWriteIsCutOffBeforeTheNextAppend) {
  append(2);
  {
    std::ofstream f(dir.path() / ".keyform" / "audit.log", std::ios::app);
    f << "{\"seq\":3,\"half";
  }
  EXPECT_EQ(lines().size(), 2u);  // the partial line is not a record yet
  append(1);
  auto l = lines();
  ASSERT_EQ(l.size(), 3u);
  EXPECT_TRUE(verify_audit(l).ok());
}

}  // namespace
}  // namespace keyform
