#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/kms/kms_key.h"
#include "tests/unit/providers_harness.h"

namespace keyform {
namespace {

using ::testing::ElementsAre;
using testing::ProviderWorld;

constexpr UnixTime kNow = 1798761600;  // 2027-01-01T00:00:00Z
constexpr Seconds kDay = 86400;
const std::string kKey = "KmsKey/main";

class KmsKeyTest : public ::testing::Test {
 protected:
  KmsKeyTest() { world.put("KmsKey", "main", {{"rotation", {{"every", "90d"}}}}); }

  std::unique_ptr<Provider> kms = make_kms_key_provider();
  ProviderWorld world;
};

TEST_F(KmsKeyTest, RotatesWhenTheCurrentVersionIsOlderThanEvery) {
  EXPECT_EQ(world.diff(*kms, kKey, kNow).type, ActionType::kCreate);
  world.apply(*kms, kKey, ActionType::kCreate, kNow);
  EXPECT_EQ(world.diff(*kms, kKey, kNow + 89 * kDay).type, ActionType::kNoOp);
  Change c = world.diff(*kms, kKey, kNow + 91 * kDay);
  EXPECT_EQ(c.type, ActionType::kRotate);
  EXPECT_THAT(c.reasons, ElementsAre("last rotated 91d ago, every 90d"));

  // Measured from the current version, not the first.
  world.apply(*kms, kKey, ActionType::kRotate, kNow + 91 * kDay);
  EXPECT_EQ(world.diff(*kms, kKey, kNow + 100 * kDay).type, ActionType::kNoOp);
}

TEST_F(KmsKeyTest, NoRotationWithoutEveryOrWhenDisabled) {
  world.apply(*kms, kKey, ActionType::kCreate, kNow);
  world.put("KmsKey", "main", {{"rotation", {{"every", "90d"}}}, {"enabled", false}});
  Change c = world.diff(*kms, kKey, kNow + 400 * kDay);
  EXPECT_EQ(c.type, ActionType::kUpdate);
  EXPECT_THAT(c.reasons, ElementsAre("spec.enabled changed"));
  world.put("KmsKey", "main", nlohmann::json::object());
  EXPECT_EQ(world.diff(*kms, kKey, kNow + 400 * kDay).type, ActionType::kUpdate);
}

TEST_F(KmsKeyTest, ReplaceRequestedRotates) {
  world.apply(*kms, kKey, ActionType::kCreate, kNow);
  Change c = world.diff(*kms, kKey, kNow, /*replace_requested=*/true);
  EXPECT_EQ(c.type, ActionType::kRotate);
}

TEST_F(KmsKeyTest, ValidateRotationAndDeletionWindow) {
  world.put("KmsKey", "main", {{"rotation", {{"every", "30d"}}}, {"deletionWindow", "60d"}});
  EXPECT_THAT(world.validate(*kms, kKey),
              ElementsAre("/spec/rotation/every: rotation.every must be a duration of at least 90d",
                          "/spec/deletionWindow: deletionWindow must be between 7d and 30d"));
}

TEST_F(KmsKeyTest, CreateRecordsTheShapeCurrentKeyReads) {
  const RecordedResource& rec = world.apply(*kms, kKey, ActionType::kCreate, kNow);
  EXPECT_EQ(rec.attributes["current_version"], 1);
  EXPECT_EQ(rec.attributes["enabled"], true);
  EXPECT_EQ(rec.attributes["versions"],
            nlohmann::json::parse(
                R"([{"version":1,"created":"2027-01-01T00:00:00Z","created_unix":1798761600}])"));
  ASSERT_EQ(rec.objects.size(), 1u);
  EXPECT_TRUE(world.store().exists(rec.objects.at("v1")));
}

TEST_F(KmsKeyTest, RotationKeepsOldVersionsDecrypting) {
  world.apply(*kms, kKey, ActionType::kCreate, kNow);
  Action action;
  testing::NoFileSystem files;
  ApplyContext ctx{.action = action,
                   .desired = nullptr,
                   .recorded = nullptr,
                   .deps = {},
                   .config = world.config,
                   .now = kNow,
                   .keyring = world.keyring(),
                   .files = files};
  ctx.deps[kKey] = world.state.resources.share(kKey);
  KeyRef v1 = current_key(ctx, kKey);
  std::string sealed = world.keyring().seal("Secret/x#value", SecretBytes("hello"), v1);

  world.apply(*kms, kKey, ActionType::kRotate, kNow + 91 * kDay);
  const RecordedResource& rec = *world.state.find(kKey);
  EXPECT_EQ(rec.attributes["current_version"], 2);
  EXPECT_EQ(rec.attributes["versions"].size(), 2u);
  EXPECT_EQ(rec.objects.size(), 2u);
  ctx.deps[kKey] = world.state.resources.share(kKey);
  KeyRef v2 = current_key(ctx, kKey);
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v2.material_object, rec.objects.at("v2"));
  EXPECT_EQ(world.keyring().open(sealed, "Secret/x#value").view(), "hello");
}

TEST_F(KmsKeyTest, UpdateKeepsVersions) {
  world.apply(*kms, kKey, ActionType::kCreate, kNow);
  RecordedResource before = *world.state.find(kKey);
  world.put("KmsKey", "main", {{"rotation", {{"every", "90d"}}}}, "main key");
  const RecordedResource& after = world.apply(*kms, kKey, ActionType::kUpdate, kNow + kDay);
  EXPECT_EQ(after.objects, before.objects);
  EXPECT_EQ(after.attributes, before.attributes);
  EXPECT_EQ(world.diff(*kms, kKey, kNow + kDay).type, ActionType::kNoOp);
}

}  // namespace
}  // namespace keyform

namespace keyform {
namespace {

TEST(KmsKeyObserveTest, EveryVersionThatOpensIsInSync) {
  testing::ProviderWorld world;
  world.put("KmsKey", "main", {{"rotation", {{"every", "90d"}}}});
  auto kms = make_kms_key_provider();
  world.apply(*kms, "KmsKey/main", ActionType::kCreate, kNow);
  world.apply(*kms, "KmsKey/main", ActionType::kRotate, kNow + 91 * kDay);
  ObserveContext ctx{world.config, world.state, kNow, &world.keyring()};
  const RecordedResource& rec = *world.state.find("KmsKey/main");
  EXPECT_EQ(kms->observe(rec, ctx).status, Observation::kInSync);

  world.store().remove(rec.objects.at("v1"));
  Observation o = kms->observe(rec, ctx);
  EXPECT_EQ(o.status, Observation::kModified);
  ASSERT_EQ(o.details.size(), 1u);
  EXPECT_NE(o.details[0].find("version 1 key material cannot be opened"), std::string::npos);

  ObserveContext no_key{world.config, world.state, kNow, nullptr};
  EXPECT_EQ(kms->observe(rec, no_key).status, Observation::kNotChecked);
}

}  // namespace
}  // namespace keyform
