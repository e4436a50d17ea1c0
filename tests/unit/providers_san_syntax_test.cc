#include <gtest/gtest.h>

#include <string>

#include "providers/pki/san_syntax.h"

namespace keyform::pki {
namespace {

TEST(SanSyntax, DnsNames) {
  EXPECT_TRUE(valid_dns_name("web.example.com"));
  EXPECT_TRUE(valid_dns_name("localhost"));
  EXPECT_TRUE(valid_dns_name("xn--bcher-kva.example"));
  EXPECT_TRUE(valid_dns_name(std::string(63, 'a') + ".example"));
  EXPECT_FALSE(valid_dns_name(std::string(64, 'a') + ".example"));
  EXPECT_FALSE(valid_dns_name(""));
  EXPECT_FALSE(valid_dns_name("web.example.com."));
  EXPECT_FALSE(valid_dns_name("-web.example.com"));
  EXPECT_FALSE(valid_dns_name("web-.example.com"));
  EXPECT_FALSE(valid_dns_name("web..example.com"));
  EXPECT_FALSE(valid_dns_name("bad_name.example.com"));
}

TEST(SanSyntax, WildcardOnlyAsTheWholeLeftMostLabel) {
  EXPECT_TRUE(valid_dns_name("*.example.com"));
  EXPECT_FALSE(valid_dns_name("*.example.com", /*allow_wildcard=*/false));
  EXPECT_FALSE(valid_dns_name("*"));
  EXPECT_FALSE(valid_dns_name("w*.example.com"));
  EXPECT_FALSE(valid_dns_name("*.*.example.com"));
  EXPECT_FALSE(valid_dns_name("web.*.example.com"));
}

TEST(SanSyntax, IpAddresses) {
  EXPECT_TRUE(valid_ip_address("10.0.0.1"));
  EXPECT_TRUE(valid_ip_address("::1"));
  EXPECT_TRUE(valid_ip_address("2001:db8::1"));
  EXPECT_FALSE(valid_ip_address("10.0.0.256"));
  EXPECT_FALSE(valid_ip_address("10.0.0"));
  EXPECT_FALSE(valid_ip_address("2001:db8::1/64"));
}

TEST(SanSyntax, Emails) {
  EXPECT_TRUE(valid_email("ops@example.com"));
  EXPECT_TRUE(valid_email("ops+alerts@example.com"));
  EXPECT_FALSE(valid_email("ops"));
  EXPECT_FALSE(valid_email("@example.com"));
  EXPECT_FALSE(valid_email("o ps@example.com"));
  EXPECT_FALSE(valid_email("ops@*.example.com"));
  EXPECT_FALSE(valid_email("a@b@example.com"));
}

TEST(SanSyntax, Uris) {
  EXPECT_TRUE(valid_uri("spiffe://example.com/web"));
  EXPECT_TRUE(valid_uri("urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"));
  EXPECT_FALSE(valid_uri("example.com/web"));
  EXPECT_FALSE(valid_uri("1http://example.com"));
  EXPECT_FALSE(valid_uri("https:"));
  EXPECT_FALSE(valid_uri("https://example.com/a b"));
}

}  // namespace
}  // namespace keyform::pki
