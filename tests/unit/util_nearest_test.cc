#include <gtest/gtest.h>

#include "util/nearest.h"

namespace keyform {
namespace {

TEST(EditDistance, CountsEdits) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("dnsName", "dnsNames"), 1u);
  EXPECT_EQ(edit_distance("Issuer", "issuer"), 0u);  // case-insensitive
}

TEST(NearestName, FindsALikelyTypo) {
  std::vector<std::string> fields = {"issuer", "dnsNames", "ipAddresses", "commonName"};
  EXPECT_EQ(nearest_name("dnsName", fields), "dnsNames");
  EXPECT_EQ(nearest_name("isuer", fields), "issuer");
  EXPECT_EQ(nearest_name("EC_prime265v1", {"EC_prime256v1", "EC_secp384r1", "RSA_2048"}),
            "EC_prime256v1");
}

TEST(NearestName, IgnoresDistantNames) {
  EXPECT_EQ(nearest_name("validity", {"issuer", "dnsNames"}), "");
  EXPECT_EQ(nearest_name("x", {"abc"}), "");
  EXPECT_EQ(nearest_name("anything", {}), "");
}

TEST(NearestName, PrefersTheFirstOfEquallyNearNames) {
  EXPECT_EQ(nearest_name("roo", {"root", "room"}), "root");
}

TEST(DidYouMean, FormatsTheSuggestion) {
  EXPECT_EQ(did_you_mean("rot", {"root", "sub"}), " (did you mean \"root\"?)");
  EXPECT_EQ(did_you_mean("zzz", {"root", "sub"}), "");
}

}  // namespace
}  // namespace keyform
