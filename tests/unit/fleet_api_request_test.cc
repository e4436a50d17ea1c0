#include <gtest/gtest.h>

#include "fleet/api_request.h"

namespace keyform::fleet {
namespace {

int status_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e.status();
  }
  return 0;
}

TEST(FleetApiRequest, RoutesEachEndpoint) {
  EXPECT_EQ(route_request("GET", "/v1/health").endpoint, Endpoint::kHealth);
  EXPECT_EQ(route_request("POST", "/v1/enroll").endpoint, Endpoint::kEnroll);
  EXPECT_EQ(route_request("GET", "/v1/targets").endpoint, Endpoint::kTargets);
  Route t = route_request("GET", "/v1/targets/web-b?since=3");
  EXPECT_EQ(t.endpoint, Endpoint::kTarget);
  EXPECT_EQ(t.target_name, "web-b");
  Route r = route_request("POST", "/v1/targets/web-b/report");
  EXPECT_EQ(r.endpoint, Endpoint::kReport);
  EXPECT_EQ(r.target_name, "web-b");
  EXPECT_EQ(route_request("POST", "/v1/renew").endpoint, Endpoint::kRenew);
  Route secret = route_request("GET", "/v1/secrets/web-tls?stage=CURRENT");
  EXPECT_EQ(secret.endpoint, Endpoint::kSecret);
  EXPECT_EQ(secret.target_name, "web-tls");
  EXPECT_EQ(route_request("POST", "/v1/access/check").endpoint, Endpoint::kAccessCheck);
}

TEST(FleetApiRequest, ReaderEndpointsRefuseOtherMethodsAndNames) {
  EXPECT_EQ(status_of([] { route_request("GET", "/v1/renew"); }), 405);
  EXPECT_EQ(status_of([] { route_request("POST", "/v1/secrets/web"); }), 405);
  EXPECT_EQ(status_of([] { route_request("GET", "/v1/secrets/Web_Tls"); }), 404);
  EXPECT_EQ(status_of([] { route_request("GET", "/v1/access/check"); }), 405);
}

TEST(FleetApiRequest, RoutesAHostCertificateRequest) {
  Route c = route_request("POST", "/v1/targets/web-host-tls/certificate");
  EXPECT_EQ(c.endpoint, Endpoint::kCertificate);
  EXPECT_EQ(c.target_name, "web-host-tls");
  EXPECT_EQ(endpoint_action(c.endpoint), "fleet:IssueHostCertificate");
  EXPECT_EQ(status_of([] { route_request("GET", "/v1/targets/web/certificate"); }), 405);
}

TEST(FleetApiRequest, UnknownPathsAre404AndOtherMethods405) {
  EXPECT_EQ(status_of([] { route_request("GET", "/"); }), 404);
  EXPECT_EQ(status_of([] { route_request("GET", "/v2/targets"); }), 404);
  EXPECT_EQ(status_of([] { route_request("GET", "/v1/targets/web/other"); }), 404);
  EXPECT_EQ(status_of([] { route_request("GET", "/v1/targets/Web_B"); }), 404);
  EXPECT_EQ(status_of([] { route_request("GET", "/v1/targets/..%2f"); }), 404);
  EXPECT_EQ(status_of([] { route_request("GET", "/v1/enroll"); }), 405);
  EXPECT_EQ(status_of([] { route_request("DELETE", "/v1/targets/web"); }), 405);
  EXPECT_EQ(status_of([] { route_request("GET", "/v1/targets/web/report"); }), 405);
}

TEST(FleetApiRequest, MalformedJsonIs400WithoutQuotingTheBody) {
  try {
    parse_json_body("{\"token\": \"kfjoin-secret");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.code(), "malformed_json");
    EXPECT_EQ(std::string(e.what()).find("kfjoin-secret"), std::string::npos) << e.what();
  }
  EXPECT_EQ(status_of([] { parse_json_body("[1, 2]"); }), 400);
  EXPECT_EQ(status_of([] { parse_json_body(""); }), 400);
}

TEST(FleetApiRequest, EnrollBodyNeedsTokenAndCsrStrings) {
  EnrollBody b = parse_enroll_body(R"({"token": "kfjoin-1", "csr": "PEM"})");
  EXPECT_EQ(b.token, "kfjoin-1");
  EXPECT_EQ(b.csr, "PEM");
  EXPECT_EQ(status_of([] { parse_enroll_body(R"({"csr": "PEM"})"); }), 400);
  EXPECT_EQ(status_of([] { parse_enroll_body(R"({"token": 5, "csr": "PEM"})"); }), 400);
  EXPECT_EQ(status_of([] { parse_enroll_body(R"({"token": "", "csr": "PEM"})"); }), 400);
  EXPECT_EQ(status_of([] {
              parse_enroll_body(R"({"token": ")" + std::string(200, 'a') + R"(", "csr": "x"})");
            }),
            400);
}

TEST(FleetApiRequest, ReportBodyOutcomes) {
  ReportBody ok = parse_report_body(R"({"version": "v1", "serial": "ab", "outcome": "ok"})");
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.serial, "ab");
  ReportBody failed =
      parse_report_body(R"({"version": "v1", "outcome": "failed", "error": "reload failed"})");
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.error, "reload failed");
  EXPECT_EQ(status_of([] { parse_report_body(R"({"version": "v1", "outcome": "maybe"})"); }), 400);
  EXPECT_EQ(status_of([] { parse_report_body(R"({"version": "v1", "outcome": "failed"})"); }), 400);
  EXPECT_EQ(status_of([] { parse_report_body(R"({"outcome": "ok"})"); }), 400);
}

TEST(FleetApiRequest, ErrorResponseIsJson) {
  ApiResponse r = error_response(404, "unknown_endpoint", "no endpoint /x");
  EXPECT_EQ(r.status, 404);
  nlohmann::json j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"], "unknown_endpoint");
  EXPECT_EQ(j["message"], "no endpoint /x");
}

}  // namespace
}  // namespace keyform::fleet
