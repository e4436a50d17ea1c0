#pragma once
// The HTTP API of keyform serve, as data (docs/fleet.md lists every endpoint
// with its statuses and bodies): requests and responses, the routing, and the
// checks a request body passes before anything reads or writes the state.
// Transport-free, so the checks are tested without a socket.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "fleet/identity.h"
#include "util/error.h"

namespace keyform::fleet {

// Bodies larger than this are refused (413) before they are read whole.
inline constexpr size_t kMaxRequestBody = 64 * 1024;

// What the verified client certificate says (the TLS layer checked it chains
// to the agent CA). Nothing the agent sends beyond it counts.
struct Peer {
  AgentIdentity identity;
  std::string serial;  // the certificate's serial, lower-case hex
  // Its validity. The TLS layer lets a certificate outside it through (an
  // expired agent may still renew); serve judges it with its own clock.
  int64_t not_before = 0;
  int64_t not_after = 0;
};

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // the request target: "/v1/targets/web?x=1"
  std::string body;
  std::optional<Peer> peer;  // none: no client certificate was sent
  std::string peer_problem;  // a certificate was sent but carries no usable identity
  // When the request arrived, or when a parked long-poll was woken: what the
  // state must be at least as new as (serve_cache.h).
  std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();
  // Whether an unchanged long-poll may be parked (false once its wait ran out).
  bool may_park = false;
};

struct ApiResponse {
  int status = 200;
  std::string body;     // JSON; may hold deployed file contents: cleansed after sending
  int retry_after = 0;  // seconds, for 503 and a paused or halted rollout (409)
  // A long-poll with nothing new yet: the server keeps the connection up to
  // this long and asks again when the state or config changes, or (with
  // may_park false) when the time is up. The response itself is the
  // "unchanged" answer then (304).
  std::chrono::milliseconds park{0};
};

// A refusal with its status and a stable code: {"error": code, "message": ...}.
class ApiError : public Error {
 public:
  ApiError(int status, std::string code, const std::string& message, int retry_after = 0)
      : Error(message), status_(status), code_(std::move(code)), retry_after_(retry_after) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  int retry_after() const { return retry_after_; }  // seconds; 0: no Retry-After

 private:
  int status_;
  std::string code_;
  int retry_after_;
};

ApiResponse error_response(int status, const std::string& code, const std::string& message);

enum class Endpoint {
  kHealth,
  kEnroll,
  kTargets,
  kTarget,
  kReport,
  kCertificate,
  kRenew,
  kSecret,
  kAccessCheck,
};

struct Route {
  Endpoint endpoint;
  // kTarget, kReport, kCertificate: the DeploymentTarget's name; kSecret: the Secret's
  std::string target_name;
};

// Maps method and path (the query is ignored) to an endpoint. Throws
// ApiError 404 for an unknown path, 405 for a known one with another method.
Route route_request(std::string_view method, std::string_view target);

// The audit action of an endpoint: "fleet:Enroll", "fleet:GetDeployment", ...
std::string endpoint_action(Endpoint e);

// A JSON object, or ApiError 400 "malformed_json" saying where it breaks.
nlohmann::json parse_json_body(std::string_view body);

// Member `name` of `j`: a string of 1..max_len bytes (ApiError 400 otherwise).
std::string required_string(const nlohmann::json& j, const std::string& name, size_t max_len);
// The same, "" when absent.
std::string optional_string(const nlohmann::json& j, const std::string& name, size_t max_len);

struct EnrollBody {
  std::string token;
  std::string csr;  // PEM
};
EnrollBody parse_enroll_body(std::string_view body);

// What an agent reports after a deployment.
struct ReportBody {
  std::string version;  // what it deployed (the source version it was sent)
  std::string serial;
  std::string fingerprint;
  bool ok = false;    // outcome "ok" or "failed"
  std::string error;  // the failure, when failed
};
ReportBody parse_report_body(std::string_view body);

}  // namespace keyform::fleet
