#include <gtest/gtest.h>

#include "providers/pki/key_policy.h"

namespace keyform::pki {
namespace {

RecordedResource recorded(const std::string& encoding = "PKCS8") {
  RecordedResource r;
  r.objects["privateKey"] = "obj";
  r.attributes = {{"key_algorithm", "EC_prime256v1"}, {"private_key_encoding", encoding}};
  return r;
}

TEST(KeyPolicy, AlwaysMakesANewKey) {
  nlohmann::json spec = {{"issuer", "root"}};
  EXPECT_EQ(key_choice_reason(spec, recorded(), {}, false),
            "new key: privateKey.rotationPolicy: Always");
  EXPECT_EQ(key_choice_reason(spec, recorded(), {}, true), "new key: --replace asks for one");
}

TEST(KeyPolicy, NeverKeepsItUnlessTheAlgorithmChanges) {
  nlohmann::json spec = {{"privateKey", {{"rotationPolicy", "Never"}}}};
  EXPECT_EQ(key_choice_reason(spec, recorded(), {"spec.dnsNames"}, false),
            "key kept: privateKey.rotationPolicy: Never");
  spec["keyAlgorithm"] = "RSA_2048";
  EXPECT_EQ(key_choice_reason(spec, recorded(), {"spec.keyAlgorithm"}, false),
            "new key: keyAlgorithm is now RSA_2048");
}

TEST(KeyPolicy, EncodingAloneKeepsTheKey) {
  nlohmann::json spec = {{"privateKey", {{"encoding", "PKCS1"}}}};
  EXPECT_EQ(key_choice_reason(spec, recorded(), {"spec.privateKey"}, false),
            "key kept: only privateKey.encoding changed, re-encoded as PKCS1");
  EXPECT_EQ(key_choice_reason(spec, recorded(), {"spec.privateKey", "spec.dnsNames"}, false),
            "new key: privateKey.rotationPolicy: Always");
  EXPECT_FALSE(only_rotation_policy_changed(spec, recorded(), {"spec.privateKey"}));
  EXPECT_TRUE(only_rotation_policy_changed(spec, recorded("PKCS1"), {"spec.privateKey"}));
}

TEST(KeyPolicy, ApplyFollowsThePlannedReason) {
  Action a;
  a.type = ActionType::kReplace;
  a.reasons = {"spec.dnsNames changed", "key kept: privateKey.rotationPolicy: Never"};
  EXPECT_TRUE(keeps_key(a, nlohmann::json::object()));
  a.reasons = {"new key: privateKey.rotationPolicy: Always"};
  EXPECT_FALSE(keeps_key(a, {{"privateKey", {{"rotationPolicy", "Never"}}}}));
  a.reasons.clear();
  a.type = ActionType::kRenew;
  EXPECT_TRUE(keeps_key(a, {{"privateKey", {{"rotationPolicy", "Never"}}}}));
  EXPECT_FALSE(keeps_key(a, nlohmann::json::object()));
}

}  // namespace
}  // namespace keyform::pki
