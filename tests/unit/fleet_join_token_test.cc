#include <gtest/gtest.h>

#include "fleet/join_token.h"
#include "state/fleet_records.h"
#include "util/encoding.h"

namespace keyform::fleet {
namespace {

constexpr UnixTime kNow = 1800000000;

struct Issued {
  State state;
  std::string token;
};

Issued issue(Seconds ttl = 3600) {
  IssuedToken t = make_join_token(agent_identity("account:b/role:web", "web-b1"), ttl, kNow);
  Issued out;
  out.token = std::string(t.text.view());
  out.state.resources[t.record.address()] = t.record;
  return out;
}

TEST(FleetJoinToken, StoresOnlyItsHash) {
  IssuedToken t = make_join_token(agent_identity("account:b/role:web", "web-b1"), 3600, kNow);
  const std::string text(t.text.view());
  EXPECT_TRUE(text.starts_with("kfjoin-"));
  EXPECT_EQ(text.size(), 7u + 64u);
  EXPECT_EQ(t.record.kind, kFleetJoinToken);
  EXPECT_EQ(t.record.address(), join_token_address(text));
  EXPECT_EQ(t.record.attributes.value("sha256", ""), sha256_hex(text));
  EXPECT_EQ(to_json(t.record).dump().find(text.substr(7)), std::string::npos);
  EXPECT_EQ(t.record.attributes.value("expires", ""), format_rfc3339(kNow + 3600));
}

TEST(FleetJoinToken, RedeemingMarksItUsedAndNamesTheIdentity) {
  Issued i = issue();
  RecordedResource used = redeem_join_token(i.state, i.token, kNow + 10);
  EXPECT_EQ(used.attributes.value("used", ""), format_rfc3339(kNow + 10));
  AgentIdentity who = token_identity(used);
  EXPECT_EQ(who.principal(), "account:b/role:web");
  EXPECT_EQ(who.host, "web-b1");
}

TEST(FleetJoinToken, UsedTokenIsRefused) {
  Issued i = issue();
  RecordedResource used = redeem_join_token(i.state, i.token, kNow + 10);
  i.state.resources[used.address()] = used;
  try {
    redeem_join_token(i.state, i.token, kNow + 20);
    FAIL() << "a used token was accepted";
  } catch (const TokenRefused& e) {
    EXPECT_NE(std::string(e.what()).find("already used"), std::string::npos) << e.what();
  }
}

TEST(FleetJoinToken, ExpiredTokenIsRefused) {
  Issued i = issue(60);
  EXPECT_NO_THROW(redeem_join_token(i.state, i.token, kNow + 59));
  try {
    redeem_join_token(i.state, i.token, kNow + 60);
    FAIL() << "an expired token was accepted";
  } catch (const TokenRefused& e) {
    EXPECT_NE(std::string(e.what()).find("expired"), std::string::npos) << e.what();
  }
}

TEST(FleetJoinToken, UnknownAndMalformedTokensAreRefused) {
  Issued i = issue();
  std::string other = i.token;
  other.back() = other.back() == '0' ? '1' : '0';
  EXPECT_THROW(redeem_join_token(i.state, other, kNow), TokenRefused);
  EXPECT_THROW(redeem_join_token(i.state, "kfjoin-xyz", kNow), TokenRefused);
  EXPECT_THROW(redeem_join_token(i.state, "", kNow), TokenRefused);
  EXPECT_THROW(redeem_join_token(i.state, "kfjoin-" + std::string(64, 'G'), kNow), TokenRefused);
}

TEST(FleetJoinToken, AnEntryWhoseHashDiffersIsRefused) {
  // Same address (first 16 hex of the hash) but another token: the full hash decides.
  Issued i = issue();
  RecordedResource& r = i.state.resources.edit((*i.state.resources.begin()).first);
  r.attributes["sha256"] = std::string(64, '0');
  EXPECT_THROW(redeem_join_token(i.state, i.token, kNow), TokenRefused);
}

TEST(FleetJoinToken, NeedsAPositiveLifetime) {
  EXPECT_THROW(make_join_token(agent_identity("account:b/role:web", "h"), 0, kNow), Error);
}

}  // namespace
}  // namespace keyform::fleet
