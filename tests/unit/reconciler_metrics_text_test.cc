#include <gtest/gtest.h>

#include "reconciler/render/metrics_text.h"
#include "util/error.h"

namespace keyform {
namespace {

RecordedResource certificate(const std::string& name, UnixTime nb, UnixTime na) {
  RecordedResource r;
  r.kind = "Certificate";
  r.name = name;
  r.attributes = {
      {"not_before_unix", nb}, {"not_after_unix", na}, {"issuer", "CertificateAuthority/root"}};
  return r;
}

Resource desired(const std::string& name, nlohmann::json spec,
                 std::map<std::string, std::string> tags = {}) {
  Resource r;
  r.kind = "Certificate";
  r.name = name;
  r.spec = std::move(spec);
  r.tags = std::move(tags);
  return r;
}

Config config_of(std::vector<Resource> resources) {
  Config c;
  for (Resource& r : resources) {
    c.by_address[r.address()] = c.resources.size();
    c.resources.push_back(std::move(r));
  }
  return c;
}

TEST(MetricsText, RenewalDueFollowsTheSpecsRenewBefore) {
  State s;
  s.resources.put("Certificate/web", certificate("web", 1000, 1000 + 90 * 86400));
  Config c = config_of({desired("web", {{"renewBefore", "30d"}})});
  std::string text = render_metrics({&s, &c, {}, {}, 5000});
  EXPECT_NE(text.find("keyform_certificate_renewal_due_timestamp_seconds{address=\"Certificate/"
                      "web\",kind=\"Certificate\",issuer=\"CertificateAuthority/root\"} " +
                      std::to_string(1000 + 60 * 86400) + "\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE keyform_certificate_not_after_timestamp_seconds gauge\n"),
            std::string::npos);
  EXPECT_NE(text.find("keyform_metrics_timestamp_seconds 5000\n"), std::string::npos);
}

TEST(MetricsText, WithoutTheConfigurationNoRenewalTimeIsGuessed) {
  State s;
  s.resources.put("Certificate/web", certificate("web", 1000, 2000));
  std::string text = render_metrics({&s, nullptr, {}, {}, 5000});
  EXPECT_NE(text.find("keyform_certificate_not_after_timestamp_seconds{"), std::string::npos);
  EXPECT_EQ(text.find("renewal_due"), std::string::npos) << text;
}

TEST(MetricsText, TagLabelsAreEscapedAndEmptyWhereMissing) {
  State s;
  s.resources.put("Certificate/a", certificate("a", 1, 2));
  s.resources.put("Certificate/b", certificate("b", 1, 2));
  Config c =
      config_of({desired("a", {}, {{"team", "pki \"core\"\\ops\nnight"}}), desired("b", {})});
  std::string text = render_metrics({&s, &c, {}, {"team"}, 3});
  EXPECT_NE(
      text.find("address=\"Certificate/a\",kind=\"Certificate\",issuer=\"CertificateAuthority/"
                "root\",team=\"pki \\\"core\\\"\\\\ops\\nnight\"}"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("address=\"Certificate/b\",kind=\"Certificate\",issuer=\"CertificateAuthority/"
                "root\",team=\"\"}"),
      std::string::npos);
}

TEST(MetricsText, RefusesTagLabelsThatAreNotLabelNamesOrAreKeyformsOwn) {
  State s;
  for (const char* bad : {"9x", "__x", "a-b", "", "address", "host"})
    EXPECT_THROW(render_metrics({&s, nullptr, {}, {bad}, 0}), Error) << bad;
  EXPECT_NO_THROW(render_metrics({&s, nullptr, {}, {"team_1"}, 0}));
}

TEST(MetricsText, TheLastActionPerResourceCountsAndReadsDoNot) {
  State s;
  auto record = [](std::string action, std::string resource, std::string outcome,
                   std::string time) {
    AuditRecord r;
    r.action = std::move(action);
    r.resource = std::move(resource);
    r.outcome = std::move(outcome);
    r.time = std::move(time);
    return r;
  };
  std::vector<AuditRecord> audit = {
      record("create", "Certificate/web", "ok", "2026-01-01T00:00:00Z"),
      record("renew", "Certificate/web", "failed", "2026-02-01T00:00:00Z"),
      record("secret:GetSecretValue", "Secret/db", "denied", "2026-03-01T00:00:00Z"),
      record("create", "Secret/db", "ok", "2026-01-02T00:00:00Z")};
  std::string text = render_metrics({&s, nullptr, audit, {}, 0});
  EXPECT_NE(
      text.find("keyform_last_action_success{address=\"Certificate/web\",action=\"renew\"} 0\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("keyform_last_action_success{address=\"Secret/db\",action=\"create\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("keyform_failing_resources 1\n"), std::string::npos);
  EXPECT_NE(text.find("keyform_last_apply_timestamp_seconds " +
                      std::to_string(*parse_rfc3339("2026-02-01T00:00:00Z")) + "\n"),
            std::string::npos);
}

}  // namespace
}  // namespace keyform
