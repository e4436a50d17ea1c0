#include <gtest/gtest.h>

#include "fleet/agent_credentials.h"
#include "tests/unit/test_support.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform::fleet {
namespace {

namespace fs = std::filesystem;

class AgentCredentialsTest : public ::testing::Test {
 protected:
  AgentCredentialsTest() : at_(identity_dir(dir_.path())) {
    fs::create_directories(at_);
    write("agent.crt", "old certificate");
    write("agent.key", "old key");
    write("server-ca.pem", "server ca");
    write("agent.json", R"({"server": "https://127.0.0.1:1", "host": "web-b1"})");
  }
  void write(const std::string& name, const std::string& text) {
    write_file_durable(at_ / name, text, 0600);
  }
  std::string key() {
    return std::string(load_credentials(dir_.path()).tls.private_key_pem.view());
  }

  testing::TempDir dir_;
  fs::path at_;
};

TEST_F(AgentCredentialsTest, LoadsTheIdentityAndItsServer) {
  AgentCredentials id = load_credentials(dir_.path());
  EXPECT_EQ(id.tls.certificate_pem, "old certificate");
  EXPECT_EQ(id.servers, std::vector<std::string>{"https://127.0.0.1:1"});
  EXPECT_EQ(id.host, "web-b1");
}

TEST_F(AgentCredentialsTest, AnIdentityEnrolledWithReplicasKnowsThemAllInOrder) {
  write("agent.json",
        R"({"servers": ["https://127.0.0.1:2", "https://127.0.0.1:3"], "host": "web-b1"})");
  EXPECT_EQ(load_credentials(dir_.path()).servers,
            (std::vector<std::string>{"https://127.0.0.1:2", "https://127.0.0.1:3"}));
}

TEST_F(AgentCredentialsTest, ARenewalStoppedBeforeItsCertificateKeepsTheOldPair) {
  write("agent-next.key", "new key");
  EXPECT_EQ(key(), "old key");
  EXPECT_FALSE(fs::exists(at_ / "agent-next.key"));
}

TEST_F(AgentCredentialsTest, ARenewalStoppedBeforeItsRenamesIsFinished) {
  write("agent-next.key", "new key");
  write("agent-next.crt", "new certificate");
  AgentCredentials id = load_credentials(dir_.path());
  EXPECT_EQ(id.tls.certificate_pem, "new certificate");
  EXPECT_EQ(std::string(id.tls.private_key_pem.view()), "new key");
}

TEST_F(AgentCredentialsTest, ARenewalStoppedBetweenItsRenamesIsFinished) {
  write("agent.key", "new key");  // renamed already
  write("agent-next.crt", "new certificate");
  AgentCredentials id = load_credentials(dir_.path());
  EXPECT_EQ(id.tls.certificate_pem, "new certificate");
  EXPECT_EQ(std::string(id.tls.private_key_pem.view()), "new key");
  EXPECT_FALSE(fs::exists(at_ / "agent-next.crt"));
}

TEST(AgentCredentials, ADirectoryWithoutAnIdentitySaysToEnrol) {
  testing::TempDir dir;
  try {
    load_credentials(dir.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("keyform agent enroll"), std::string::npos);
  }
}

}  // namespace
}  // namespace keyform::fleet
