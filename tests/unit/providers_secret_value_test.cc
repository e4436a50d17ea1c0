#include <gtest/gtest.h>

#include <set>

#include "providers/secrets/sealed_value.h"
#include "providers/secrets/secret_value.h"
#include "util/error.h"

namespace keyform::secrets {
namespace {

TEST(GenerateValue, DrawsOnlyAllowedCharactersOfTheLength) {
  nlohmann::json g = {{"length", 64}, {"charset", "hex"}, {"exclude", "abc"}};
  SecretBytes v = generate_value(g);
  ASSERT_EQ(v.size(), 64u);
  for (char c : v.view()) EXPECT_NE(std::string("0123456789def").find(c), std::string::npos) << c;
}

TEST(GenerateValue, RequireEachClassPutsEveryClassIn) {
  nlohmann::json g = {{"length", 8}, {"charset", "ascii-printable"}, {"requireEachClass", true}};
  for (int i = 0; i < 50; ++i) {
    SecretBytes v = generate_value(g);
    bool upper = false, lower = false, digit = false, punct = false;
    for (char c : v.view()) {
      upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
      lower |= std::islower(static_cast<unsigned char>(c)) != 0;
      digit |= std::isdigit(static_cast<unsigned char>(c)) != 0;
      punct |= std::ispunct(static_cast<unsigned char>(c)) != 0;
    }
    EXPECT_TRUE(upper && lower && digit && punct) << "draw " << i;
  }
}

TEST(ValidateValue, ExactlyOneSource) {
  std::vector<std::string> errors;
  auto sink = [&](const std::string& f, const std::string& m) { errors.push_back(f + ": " + m); };
  validate_value({{"value", {{"generate", nlohmann::json::object()}, {"sealed", "x"}}}}, sink);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("exactly one of"), std::string::npos);
}

TEST(ValidateValue, ExclusionsThatEmptyARequiredClassAreRefused) {
  std::vector<std::string> errors;
  auto sink = [&](const std::string& f, const std::string& m) { errors.push_back(f + ": " + m); };
  validate_value(
      {{"value",
        {{"generate", {{"charset", "hex"}, {"exclude", "abcdef"}, {"requireEachClass", true}}}}}},
      sink);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("/spec/value/generate/requireEachClass"), std::string::npos);
}

TEST(SealedValue, RoundTripsAndRevealsNothing) {
  SealKeyPair key = generate_seal_key();
  SecretBytes plain("an API key that must stay secret");
  std::string a = seal_value(key.public_key, plain);
  std::string b = seal_value(key.public_key, plain);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find("secret"), std::string::npos);
  EXPECT_EQ(open_sealed_value(a, key.private_key).view(), plain.view());
}

TEST(SealedValue, TamperingAndAnotherKeyAreDetected) {
  SealKeyPair key = generate_seal_key(), other = generate_seal_key();
  std::string s = seal_value(key.public_key, SecretBytes("value"));
  std::string t = s;
  t[t.size() - 6] = t[t.size() - 6] == 'A' ? 'B' : 'A';
  EXPECT_THROW(open_sealed_value(t, key.private_key), Error);
  try {
    open_sealed_value(s, other.private_key);
    FAIL() << "opened with another key";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another seal key"), std::string::npos);
  }
}

}  // namespace
}  // namespace keyform::secrets
