#include "state/state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/error.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;

RecordedResource sample_resource() {
  RecordedResource r;
  r.kind = "Certificate";
  r.name = "web";
  r.spec_digest = "ab12";
  r.field_digests = {{"spec.dnsNames", "cd34"}, {"spec.issuer", "ef56"}};
  r.deletion_protection = true;
  r.attributes = {{"serial", "01:02"}, {"not_after", 1900000000}, {"sans", {"a", "b"}}};
  r.objects = {{"privateKey", "3f2a"}};
  r.dependencies = {"CertificateAuthority/root", "KmsKey/main"};
  r.last_action_id = "act-1";
  r.updated_at = 1800000000;
  return r;
}

State sample_state() {
  State s;
  s.lineage = "lin-1";
  s.serial = 42;
  s.git_commit = "deadbeef";
  s.root_key_check = "cbc6";
  RecordedResource r = sample_resource();
  s.resources[r.address()] = r;
  RecordedResource k;
  k.kind = "KmsKey";
  k.name = "main";
  s.resources[k.address()] = k;
  return s;
}

void expect_same(const RecordedResource& a, const RecordedResource& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.spec_digest, b.spec_digest);
  EXPECT_EQ(a.field_digests, b.field_digests);
  EXPECT_EQ(a.deletion_protection, b.deletion_protection);
  EXPECT_EQ(a.attributes, b.attributes);
  EXPECT_EQ(a.objects, b.objects);
  EXPECT_EQ(a.dependencies, b.dependencies);
  EXPECT_EQ(a.last_action_id, b.last_action_id);
  EXPECT_EQ(a.updated_at, b.updated_at);
}

TEST(StateJson, ResourceRoundTrip) {
  RecordedResource r = sample_resource();
  expect_same(recorded_from_json(to_json(r)), r);
}

TEST(StateJson, ResourceUsesDocumentedFieldNames) {
  nlohmann::json j = to_json(sample_resource());
  for (const char* f : {"kind", "name", "spec_digest", "field_digests", "deletion_protection",
                        "attributes", "objects", "dependencies", "last_action_id", "updated_at"})
    EXPECT_TRUE(j.contains(f)) << f;
}

TEST(StateJson, StateRoundTripThroughText) {
  State s = sample_state();
  State back = state_from_json(nlohmann::json::parse(to_json(s).dump()));
  EXPECT_EQ(back.format_version, kStateFormatVersion);
  EXPECT_EQ(back.lineage, "lin-1");
  EXPECT_EQ(back.serial, 42u);
  EXPECT_EQ(back.git_commit, "deadbeef");
  EXPECT_EQ(back.root_key_check, "cbc6");
  ASSERT_EQ(back.resources.size(), 2u);
  expect_same(back.resources.at("Certificate/web"), s.resources.at("Certificate/web"));
  expect_same(back.resources.at("KmsKey/main"), s.resources.at("KmsKey/main"));
}

TEST(StateJson, NewerFormatVersionIsRejected) {
  nlohmann::json j = to_json(sample_state());
  j["format_version"] = kStateFormatVersion + 1;
  try {
    state_from_json(j);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("written by a newer keyform"));
  }
}

TEST(StateJson, MissingSerialNamesTheField) {
  nlohmann::json j = to_json(sample_state());
  j.erase("serial");
  EXPECT_THROW(
      {
        try {
          state_from_json(j);
        } catch (const Error& e) {
          EXPECT_THAT(e.what(), HasSubstr("serial"));
          throw;
        }
      },
      Error);
}

TEST(StateJson, WrongTypeNamesTheResourceAndField) {
  nlohmann::json j = to_json(sample_state());
  j["resources"]["Certificate/web"]["objects"]["privateKey"] = 7;
  try {
    state_from_json(j);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Certificate/web"));
    EXPECT_THAT(e.what(), HasSubstr("objects.privateKey"));
  }
}

TEST(StateJson, NegativeSerialIsRejected) {
  nlohmann::json j = to_json(sample_state());
  j["serial"] = -1;
  EXPECT_THROW(state_from_json(j), Error);
}

TEST(StateJson, AddressMustMatchKindAndName) {
  nlohmann::json j = to_json(sample_state());
  j["resources"]["Certificate/other"] = j["resources"]["Certificate/web"];
  try {
    state_from_json(j);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Certificate/other"));
  }
}

TEST(StateJson, NotAnObjectIsAnError) {
  EXPECT_THROW(state_from_json(nlohmann::json::array()), Error);
  EXPECT_THROW(recorded_from_json(nlohmann::json("x")), Error);
}

}  // namespace
}  // namespace keyform
