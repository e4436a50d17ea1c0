#include <gtest/gtest.h>

#include "providers/secrets/secret.h"
#include "providers/secrets/secret_read.h"
#include "tests/unit/providers_harness.h"

namespace keyform {
namespace {

constexpr UnixTime kNow = 1'800'000'000;
constexpr Seconds kDay = 86400;
const std::string kSecret = "Secret/token";

class SecretTest : public ::testing::Test {
 protected:
  SecretTest() : secret(make_secret_provider()) {
    world.put("Secret", "token",
              {{"value", {{"generate", {{"length", 16}}}}}, {"rotation", {{"every", "30d"}}}});
  }
  std::string read(const std::string& stage) {
    return std::string(
        secrets::read_secret_version(*world.state.find(kSecret), world.keyring(), {stage, "", ""})
            .view());
  }
  testing::ProviderWorld world;
  std::unique_ptr<Provider> secret;
};

TEST_F(SecretTest, CreateMakesOneCurrentVersionAndRecordsNoValue) {
  world.apply(*secret, kSecret, ActionType::kCreate, kNow);
  const RecordedResource& rec = *world.state.find(kSecret);
  ASSERT_EQ(rec.attributes["versions"].size(), 1u);
  EXPECT_EQ(rec.attributes["versions"][0]["stages"], nlohmann::json::array({"CURRENT"}));
  EXPECT_FALSE(rec.attributes.contains("rotation"));
  const std::string value = read("CURRENT");
  EXPECT_EQ(value.size(), 16u);
  EXPECT_EQ(to_json(rec).dump().find(value), std::string::npos);
}

TEST_F(SecretTest, RotationIsDueAfterEveryWithItsReason) {
  world.apply(*secret, kSecret, ActionType::kCreate, kNow);
  EXPECT_EQ(world.diff(*secret, kSecret, kNow + 29 * kDay).type, ActionType::kNoOp);
  Change c = world.diff(*secret, kSecret, kNow + 31 * kDay);
  EXPECT_EQ(c.type, ActionType::kRotate);
  ASSERT_EQ(c.reasons.size(), 1u);
  EXPECT_EQ(c.reasons[0], "last rotated 31d ago, every 30d");
}

TEST_F(SecretTest, RotateMovesCurrentToPrevious) {
  world.apply(*secret, kSecret, ActionType::kCreate, kNow);
  const std::string first = read("CURRENT");
  world.apply(*secret, kSecret, ActionType::kRotate, kNow + 31 * kDay);
  EXPECT_EQ(read("PREVIOUS"), first);
  EXPECT_NE(read("CURRENT"), first);
  EXPECT_EQ(world.state.find(kSecret)->attributes["versions"].size(), 2u);
}

TEST_F(SecretTest, AHalfWayRotationIsResumedNotRestarted) {
  world.apply(*secret, kSecret, ActionType::kCreate, kNow);
  RecordedResource& rec = world.state.resources[kSecret];
  rec.attributes["rotation"] = {{"version", "abc"}, {"step", "set"}};
  Change c = world.diff(*secret, kSecret, kNow, /*replace_requested=*/true);
  EXPECT_EQ(c.type, ActionType::kRotate);
  ASSERT_EQ(c.reasons.size(), 1u);
  EXPECT_EQ(c.reasons[0], "resuming the rotation to version abc (interrupted after step set)");
}

}  // namespace
}  // namespace keyform
