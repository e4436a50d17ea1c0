#include "fleet/api_request.h"

#include <vector>

namespace keyform::fleet {

namespace {

// Path segments of "/v1/targets/web" without the query: {"v1", "targets", "web"}.
std::vector<std::string_view> segments(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string_view> out;
  while (!target.empty()) {
    if (target.front() == '/') {
      target.remove_prefix(1);
      continue;
    }
    size_t slash = target.find('/');
    out.push_back(target.substr(0, slash));
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash);
  }
  return out;
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return s.front() != '-';
}

// The path as it may appear in a message: printable, cut short.
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 120)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return s.size() > 120 ? out + "..." : out;
}

}  // namespace

ApiResponse error_response(int status, const std::string& code, const std::string& message) {
  return {status, nlohmann::json{{"error", code}, {"message", message}}.dump(), 0};
}

Route route_request(std::string_view method, std::string_view target) {
  const auto s = segments(target);
  auto want = [&](std::string_view m, Route r) {
    if (method != m)
      throw ApiError(405, "method_not_allowed",
                     std::string(method.substr(0, 16)) + " is not allowed on " + shown(target) +
                         "; use " + std::string(m));
    return r;
  };
  if (s.size() >= 2 && s[0] == "v1") {
    if (s.size() == 2 && s[1] == "health") return want("GET", {Endpoint::kHealth, ""});
    if (s.size() == 2 && s[1] == "enroll") return want("POST", {Endpoint::kEnroll, ""});
    if (s.size() == 2 && s[1] == "renew") return want("POST", {Endpoint::kRenew, ""});
    if (s.size() == 3 && s[1] == "access" && s[2] == "check")
      return want("POST", {Endpoint::kAccessCheck, ""});
    if (s.size() == 3 && s[1] == "secrets") {
      if (!valid_name(s[2]))
        throw ApiError(404, "unknown_endpoint", "\"" + shown(s[2]) + "\" is not a Secret name");
      return want("GET", {Endpoint::kSecret, std::string(s[2])});
    }
    if (s[1] == "targets") {
      if (s.size() == 2) return want("GET", {Endpoint::kTargets, ""});
      if (s.size() >= 3 && !valid_name(s[2]))
        throw ApiError(404, "unknown_endpoint",
                       "\"" + shown(s[2]) + "\" is not a DeploymentTarget name");
      if (s.size() == 3) return want("GET", {Endpoint::kTarget, std::string(s[2])});
      if (s.size() == 4 && s[3] == "report")
        return want("POST", {Endpoint::kReport, std::string(s[2])});
      if (s.size() == 4 && s[3] == "certificate")
        return want("POST", {Endpoint::kCertificate, std::string(s[2])});
    }
  }
  throw ApiError(404, "unknown_endpoint",
                 "no endpoint " + shown(target) +
                     " (endpoints: /v1/health, /v1/enroll, /v1/renew, /v1/targets, "
                     "/v1/targets/NAME, /v1/targets/NAME/report, /v1/targets/NAME/certificate, "
                     "/v1/secrets/NAME, /v1/access/check)");
}

std::string endpoint_action(Endpoint e) {
  switch (e) {
    case Endpoint::kHealth:
      return "fleet:Health";
    case Endpoint::kEnroll:
      return "fleet:Enroll";
    case Endpoint::kTargets:
      return "fleet:ListTargets";
    case Endpoint::kTarget:
      return "fleet:GetDeployment";
    case Endpoint::kReport:
      return "fleet:ReportDeployment";
    case Endpoint::kCertificate:
      return "fleet:IssueHostCertificate";
    case Endpoint::kRenew:
      return "fleet:RenewIdentity";
    case Endpoint::kSecret:
      return "secret:GetSecretValue";
    case Endpoint::kAccessCheck:
      return "fleet:CheckAccess";
  }
  return "fleet:Unknown";
}

nlohmann::json parse_json_body(std::string_view body) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte says where; e.what() could quote the input, which may hold a token.
    throw ApiError(400, "malformed_json",
                   "the body is not JSON (it breaks at byte " + std::to_string(e.byte) + ")");
  }
  if (!j.is_object())
    throw ApiError(400, "malformed_json",
                   "the body must be a JSON object, not " + std::string(j.type_name()));
  return j;
}

std::string optional_string(const nlohmann::json& j, const std::string& name, size_t max_len) {
  auto it = j.find(name);
  if (it == j.end()) return "";
  if (!it->is_string())
    throw ApiError(400, "invalid_field",
                   name + ": expected a string, got " + std::string(it->type_name()));
  std::string v = it->get<std::string>();
  if (v.size() > max_len)
    throw ApiError(400, "invalid_field",
                   name + ": longer than " + std::to_string(max_len) + " bytes");
  return v;
}

std::string required_string(const nlohmann::json& j, const std::string& name, size_t max_len) {
  if (!j.contains(name)) throw ApiError(400, "invalid_field", name + ": required");
  std::string v = optional_string(j, name, max_len);
  if (v.empty()) throw ApiError(400, "invalid_field", name + ": must not be empty");
  return v;
}

EnrollBody parse_enroll_body(std::string_view body) {
  nlohmann::json j = parse_json_body(body);
  EnrollBody out{required_string(j, "token", 128), required_string(j, "csr", 16 * 1024)};
  // The token must not linger in the parsed copy.
  std::string& t = j["token"].get_ref<std::string&>();
  std::fill(t.begin(), t.end(), '\0');
  return out;
}

ReportBody parse_report_body(std::string_view body) {
  nlohmann::json j = parse_json_body(body);
  ReportBody r;
  r.version = required_string(j, "version", 512);
  r.serial = optional_string(j, "serial", 128);
  r.fingerprint = optional_string(j, "fingerprint", 128);
  const std::string outcome = required_string(j, "outcome", 16);
  if (outcome != "ok" && outcome != "failed")
    throw ApiError(400, "invalid_field", "outcome: expected \"ok\" or \"failed\"");
  r.ok = outcome == "ok";
  r.error = optional_string(j, "error", 4096);
  if (!r.ok && r.error.empty()) throw ApiError(400, "invalid_field", "error: required when failed");
  return r;
}

}  // namespace keyform::fleet
