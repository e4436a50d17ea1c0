#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "state/keyring.h"
#include "util/encoding.h"
#include "util/error.h"
#include "util/random.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class MemoryStore : public ObjectStore {
 public:
  void put(const std::string& id, std::string_view bytes) override {
    std::lock_guard<std::mutex> l(mu_);
    blobs_[id] = std::string(bytes);
  }
  std::string get(const std::string& id) const override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = blobs_.find(id);
    if (it == blobs_.end()) throw Error("object " + id + " is missing");
    return it->second;
  }
  bool exists(const std::string& id) const override {
    std::lock_guard<std::mutex> l(mu_);
    return blobs_.count(id) > 0;
  }
  void remove(const std::string& id) override {
    std::lock_guard<std::mutex> l(mu_);
    blobs_.erase(id);
  }
  std::vector<std::string> list() const override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::string> ids;
    for (const auto& [id, _] : blobs_) ids.push_back(id);
    return ids;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> blobs_;
};

const SecretBytes kPlain(std::string_view("-----BEGIN PRIVATE KEY-----\nMIGH...\n"));
constexpr std::string_view kContext = "Certificate/web#privateKey";

std::string header_of(const std::string& sealed) { return sealed.substr(0, sealed.find('\n')); }
std::string body_of(const std::string& sealed) { return sealed.substr(sealed.find('\n') + 1); }

// Rewrites the JSON header of a sealed object, keeping its ciphertext.
std::string edit_header(const std::string& sealed,
                        const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json h = nlohmann::json::parse(header_of(sealed));
  edit(h);
  return h.dump() + "\n" + body_of(sealed);
}

class KeyringTest : public ::testing::Test {
 protected:
  KeyringTest() : root_(random_secret(32)), keyring_(root_, store_) {}

  void expect_auth_failure(const std::function<void()>& f) {
    try {
      f();
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("failed authentication"));
    }
  }

  KeyRef kms_key(int version = 1) {
    KeyRef ref;
    ref.kms_address = "KmsKey/main";
    ref.version = version;
    ref.material_object = keyring_.create_kms_material(ref.kms_address, version);
    return ref;
  }

  SecretBytes root_;
  MemoryStore store_;
  Keyring keyring_;
};

TEST_F(KeyringTest, SealAndOpenUnderTheRootKey) {
  std::string id = keyring_.seal(kContext, kPlain, KeyRef{});
  EXPECT_EQ(id.size(), 32u);
  EXPECT_TRUE(store_.exists(id));
  EXPECT_EQ(keyring_.open(id, kContext).view(), kPlain.view());
}

TEST_F(KeyringTest, SealedObjectHasTheDocumentedHeaderAndNoPlaintext) {
  std::string id = keyring_.seal(kContext, kPlain, KeyRef{});
  std::string sealed = store_.get(id);
  nlohmann::json h = nlohmann::json::parse(header_of(sealed));
  EXPECT_EQ(h["v"], 1);
  EXPECT_EQ(h["id"], id);
  EXPECT_EQ(h["context"], kContext);
  EXPECT_EQ(h["kek"]["kms"], "");
  EXPECT_EQ(base64_decode(h["iv"].get<std::string>()).size(), 12u);
  EXPECT_EQ(base64_decode(h["wrapped_key"].get<std::string>()).size(), 12u + 32u + 16u);
  EXPECT_EQ(body_of(sealed).size(), kPlain.size() + 16);
  EXPECT_EQ(sealed.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(KeyringTest, SealAndOpenUnderAKmsKeyVersion) {
  KeyRef v1 = kms_key(1);
  KeyRef v2 = kms_key(2);
  std::string a = keyring_.seal(kContext, kPlain, v1);
  std::string b = keyring_.seal(kContext, kPlain, v2);
  nlohmann::json h = nlohmann::json::parse(header_of(store_.get(b)));
  EXPECT_EQ(h["kek"]["kms"], "KmsKey/main");
  EXPECT_EQ(h["kek"]["version"], 2);
  EXPECT_EQ(h["kek"]["material"], v2.material_object);
  EXPECT_EQ(keyring_.open(a, kContext).view(), kPlain.view());
  EXPECT_EQ(keyring_.open(b, kContext).view(), kPlain.view());
  // A fresh keyring (no cached material) unwraps the version from the store.
  Keyring fresh(root_, store_);
  EXPECT_EQ(fresh.open(a, kContext).view(), kPlain.view());
}

TEST_F(KeyringTest, EmptyPlaintextRoundTrips) {
  std::string id = keyring_.seal(kContext, SecretBytes(), KeyRef{});
  EXPECT_TRUE(keyring_.open(id, kContext).empty());
}

TEST_F(KeyringTest, SealBytesDoesNotStore) {
  std::string sealed = keyring_.seal_bytes("Secret/x#value", kPlain, KeyRef{});
  EXPECT_TRUE(store_.list().empty());
  EXPECT_EQ(keyring_.open_bytes(sealed, "Secret/x#value").view(), kPlain.view());
  expect_auth_failure([&] { keyring_.open_bytes(sealed, "Secret/y#value"); });
}

TEST_F(KeyringTest, TamperedCiphertextFails) {
  std::string id = keyring_.seal(kContext, kPlain, KeyRef{});
  std::string sealed = store_.get(id);
  sealed[sealed.size() - 20] ^= 0x01;
  store_.put(id, sealed);
  expect_auth_failure([&] { keyring_.open(id, kContext); });
}

TEST_F(KeyringTest, TamperedTagFails) {
  std::string id = keyring_.seal(kContext, kPlain, KeyRef{});
  std::string sealed = store_.get(id);
  sealed.back() ^= 0x80;
  store_.put(id, sealed);
  expect_auth_failure([&] { keyring_.open(id, kContext); });
}

TEST_F(KeyringTest, EditedHeaderContextFails) {
  std::string id = keyring_.seal(kContext, kPlain, KeyRef{});
  store_.put(id, edit_header(store_.get(id), [](nlohmann::json& h) {
               h["context"] = "Certificate/evil#privateKey";
             }));
  expect_auth_failure([&] { keyring_.open(id, "Certificate/evil#privateKey"); });
}

TEST_F(KeyringTest, EditedKekFails) {
  KeyRef v1 = kms_key(1);
  KeyRef v2 = kms_key(2);
  std::string id = keyring_.seal(kContext, kPlain, v1);
  store_.put(id, edit_header(store_.get(id), [&](nlohmann::json& h) {
               h["kek"]["version"] = 2;
               h["kek"]["material"] = v2.material_object;
             }));
  expect_auth_failure([&] { keyring_.open(id, kContext); });
}

TEST_F(KeyringTest, WrongContextFails) {
  std::string id = keyring_.seal(kContext, kPlain, KeyRef{});
  expect_auth_failure([&] { keyring_.open(id, "Certificate/api#privateKey"); });
}

TEST_F(KeyringTest, RenamedObjectFails) {
  std::string id = keyring_.seal(kContext, kPlain, KeyRef{});
  std::string other = random_id(16);
  store_.put(other, store_.get(id));
  expect_auth_failure([&] { keyring_.open(other, kContext); });
  // Also with the header's id edited to match the new name.
  store_.put(other, edit_header(store_.get(id), [&](nlohmann::json& h) { h["id"] = other; }));
  expect_auth_failure([&] { keyring_.open(other, kContext); });
}

TEST_F(KeyringTest, WrongRootKeyFails) {
  std::string id = keyring_.seal(kContext, kPlain, KeyRef{});
  std::string under_kms = keyring_.seal(kContext, kPlain, kms_key());
  Keyring other(random_secret(32), store_);
  expect_auth_failure([&] { other.open(id, kContext); });
  expect_auth_failure([&] { other.open(under_kms, kContext); });
  EXPECT_NE(other.root_key_check(), keyring_.root_key_check());
}

TEST_F(KeyringTest, GarbageIsAnErrorNotACrash) {
  for (std::string junk : {std::string(), std::string("no newline"), std::string("{}\n"),
                           std::string("[1,2]\nxx"), std::string("{\"v\":1}\n"),
                           std::string("{\"v\":1,\"id\":\"a\",\"context\":\"c\",\"kek\":{\"kms\":"
                                       "\"\"},\"wrapped_key\":\"!!\",\"iv\":\"AAAA\"}\n")}) {
    store_.put("abc", junk);
    EXPECT_THROW(keyring_.open("abc", kContext), Error) << junk;
  }
  EXPECT_THROW(keyring_.open("missing", kContext), Error);
}

TEST_F(KeyringTest, NewerSealedFormatIsNamed) {
  std::string id = keyring_.seal(kContext, kPlain, KeyRef{});
  store_.put(id, edit_header(store_.get(id), [](nlohmann::json& h) { h["v"] = 2; }));
  try {
    keyring_.open(id, kContext);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("v2"));
  }
}

TEST_F(KeyringTest, MaterialIsWrappedUnderItsOwnContext) {
  KeyRef v1 = kms_key(1);
  nlohmann::json h = nlohmann::json::parse(header_of(store_.get(v1.material_object)));
  EXPECT_EQ(h["context"], "KmsKey/main#material/v1");
  EXPECT_EQ(h["kek"]["kms"], "");
  // Claiming the material of version 1 is version 3 does not unwrap.
  KeyRef lie = v1;
  lie.version = 3;
  Keyring fresh(root_, store_);
  EXPECT_THROW(fresh.seal(kContext, kPlain, lie), Error);
}

TEST(RootKey, CheckIsHmacSha256OfAFixedMessage) {
  MemoryStore store;
  Keyring k(SecretBytes(32), store);  // 32 zero bytes
  EXPECT_EQ(k.root_key_check(), "cbc636c48195f1aa486ab3670f8316cfe188cbaecbb2908e7f5c83fc85ef9d5d");
}

TEST(RootKey, StorelessCheckAgreesWithTheKeyring) {
  MemoryStore store;
  SecretBytes key = random_secret(32);
  EXPECT_EQ(compute_root_key_check(key), Keyring(key, store).root_key_check());
}

TEST(RootKey, DecodesStandardBase64Of32Bytes) {
  SecretBytes key = random_secret(32);
  std::string text = base64_encode(key.data(), key.size()) + "\n";
  EXPECT_EQ(decode_root_key(text).view(), key.view());
}

TEST(RootKey, ErrorsNeverEchoTheInput) {
  SecretBytes short_key = random_secret(31);
  SecretBytes long_key = random_secret(48);
  std::string inputs[] = {
      base64_encode(short_key.data(), short_key.size()),
      base64_encode(long_key.data(), long_key.size()),
      "c2VjcmV0LXZhbHVlLW5vdC1iYXNlNjQ!!",
      "sup3r-s3cret_value",
  };
  for (const std::string& in : inputs) {
    try {
      decode_root_key(in);
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("root key must be 32 bytes of base64"));
      EXPECT_THAT(e.what(), Not(HasSubstr(in)));
      EXPECT_THAT(e.what(), Not(HasSubstr(in.substr(0, 8))));
    }
  }
  try {
    decode_root_key(inputs[0]);
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("got 31 bytes"));
  }
}

TEST(Base64Secret, DecodesAnyLengthAndCleansesWhatItWasGiven) {
  for (size_t n : {0u, 1u, 2u, 3u, 31u, 100u}) {
    SecretBytes value = random_secret(n);
    std::string text = base64_encode(value.data(), value.size());
    const size_t length = text.size();
    EXPECT_EQ(take_base64_secret(text).view(), value.view()) << n << " bytes";
    EXPECT_EQ(text, std::string(length, '\0')) << "the base64 copy is left in memory";
  }
}

TEST(Base64Secret, MalformedInputIsCleansedTooAndNotEchoed) {
  std::string text = "c2VjcmV0!!";
  try {
    take_base64_secret(text);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("malformed base64"));
    EXPECT_THAT(e.what(), Not(HasSubstr("c2Vj")));
  }
  EXPECT_EQ(text, std::string(10, '\0'));
}

TEST(RootKey, KeyringRejectsAWrongSizedKey) {
  MemoryStore store;
  EXPECT_THROW(Keyring(SecretBytes(16), store), Error);
}

}  // namespace
}  // namespace keyform
