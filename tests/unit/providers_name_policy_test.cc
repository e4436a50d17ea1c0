#include <gtest/gtest.h>

#include "providers/pki/name_policy.h"

namespace keyform::pki {
namespace {

Config with(nlohmann::json ca_spec, nlohmann::json cert_spec) {
  Config c;
  Resource ca;
  ca.kind = "CertificateAuthority";
  ca.name = "root";
  ca.spec = std::move(ca_spec);
  Resource cert;
  cert.kind = "Certificate";
  cert.name = "web";
  cert.spec = std::move(cert_spec);
  c.resources = {ca, cert};
  c.by_address = {{"CertificateAuthority/root", 0}, {"Certificate/web", 1}};
  return c;
}

// The pointers check_issuance_guardrails reports for the Certificate.
std::vector<std::string> refused(const nlohmann::json& allowed, const nlohmann::json& cert) {
  nlohmann::json ca = {{"type", "root"}, {"allowedNames", allowed}};
  nlohmann::json spec = cert;
  spec["issuer"] = "root";
  Config c = with(ca, spec);
  std::vector<std::string> out;
  check_issuance_guardrails(c, c.resources[1],
                            [&](const std::string& f, const std::string&) { out.push_back(f); });
  return out;
}

TEST(NamePolicy, DnsSuffixesMatchOnLabelBoundariesAndWildcardsByTheirDomain) {
  nlohmann::json a = {{"dnsSuffixes", {"example.com"}}};
  EXPECT_TRUE(refused(a, {{"dnsNames",
                           {"example.com", "a.b.example.com", "*.example.com", "WWW.Example.COM"}}})
                  .empty());
  EXPECT_EQ(refused(a, {{"dnsNames", {"badexample.com", "example.com.evil", "*.com"}}}),
            (std::vector<std::string>{"/spec/dnsNames/0", "/spec/dnsNames/1", "/spec/dnsNames/2"}));
}

TEST(NamePolicy, IpRangesByPrefixInTheirOwnFamily) {
  nlohmann::json a = {{"ipRanges", {"10.0.0.0/8", "fd00::/8", "192.168.1.7/32"}}};
  EXPECT_TRUE(refused(a, {{"ipAddresses", {"10.255.0.1", "fd12::1", "192.168.1.7"}}}).empty());
  EXPECT_EQ(refused(a, {{"ipAddresses", {"11.0.0.1", "fe80::1", "192.168.1.8", "::ffff:10.0.0.1"}}})
                .size(),
            4u);
}

TEST(NamePolicy, UnlistedNameTypesAreRefused) {
  nlohmann::json a = {{"dnsSuffixes", {"example.com"}}};
  EXPECT_EQ(refused(a, {{"uris", {"spiffe://example.com/x"}}, {"emails", {"a@example.com"}}}),
            (std::vector<std::string>{"/spec/uris/0", "/spec/emails/0"}));
}

TEST(NamePolicy, PatternsGlobWholeNames) {
  nlohmann::json a = {{"uriPatterns", {"spiffe://example.com/*"}},
                      {"emailPatterns", {"*@example.com"}}};
  EXPECT_TRUE(
      refused(a, {{"uris", {"spiffe://example.com/ns/web"}}, {"emails", {"Ops@Example.com"}}})
          .empty());
  EXPECT_EQ(
      refused(a, {{"uris", {"spiffe://example.com.evil/x"}}, {"emails", {"a@example.com.evil"}}})
          .size(),
      2u);
}

TEST(NamePolicy, AHostNameCommonNameCountsAsADnsName) {
  nlohmann::json a = {{"dnsSuffixes", {"example.com"}}};
  EXPECT_EQ(refused(a, {{"commonName", "www.other.com"}}),
            (std::vector<std::string>{"/spec/commonName"}));
  EXPECT_TRUE(
      refused(a, {{"commonName", "Payments Team"}, {"dnsNames", {"pay.example.com"}}}).empty());
}

TEST(NamePolicy, MaxValidityBoundsWhatTheCaIssues) {
  Config c = with({{"type", "root"}, {"maxValidity", "30d"}},
                  {{"issuer", "root"}, {"validity", "31d"}, {"dnsNames", {"a.example.com"}}});
  std::vector<std::string> out;
  check_issuance_guardrails(c, c.resources[1],
                            [&](const std::string& f, const std::string&) { out.push_back(f); });
  EXPECT_EQ(out, std::vector<std::string>{"/spec/validity"});
}

TEST(NamePolicy, NameConstraintsCarryWhatX509CanSay) {
  nlohmann::json ca = {
      {"nameConstraints", true},
      {"allowedNames",
       {{"dnsSuffixes", {"example.com"}},
        {"emailPatterns", {"*@example.com", "root@example.org", "a*@x.com"}},
        {"uriPatterns", {"spiffe://example.com/*", "https://*.example.net/*", "*"}}}}};
  x509::NameConstraints nc = name_constraints_of(ca);
  EXPECT_EQ(nc.dns, std::vector<std::string>{"example.com"});
  EXPECT_EQ(nc.email, (std::vector<std::string>{"example.com", "root@example.org"}));
  EXPECT_EQ(nc.uri, (std::vector<std::string>{"example.com", ".example.net"}));
  EXPECT_TRUE(nc.exclude_all_ip);
  ca["nameConstraints"] = false;
  EXPECT_TRUE(name_constraints_of(ca).empty());
}

TEST(NamePolicy, IpRangeConstraintIsNetworkThenMask) {
  EXPECT_EQ(ip_range_constraint("10.1.2.3/8"), std::string("\x0a\0\0\0\xff\0\0\0", 8));
  EXPECT_EQ(ip_range_constraint("fd00::/8").size(), 32u);
  EXPECT_EQ(ip_range_constraint("10.0.0.0/33"), "");
  EXPECT_EQ(ip_range_constraint("10.0.0.0"), "");
  EXPECT_EQ(ip_range_constraint("nonsense/8"), "");
}

}  // namespace
}  // namespace keyform::pki
