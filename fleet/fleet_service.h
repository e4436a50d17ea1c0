#pragma once
// What keyform serve answers (docs/fleet.md): enrolment with a join token,
// and for an authenticated agent the DeploymentTargets of its host, their
// files (after the ResourcePolicies allow its principal), and its reports.
// Every request is audited; a refused or malformed one changes nothing.
//
// Thread safety: handle() runs on one worker thread at a time (the server's).
// Reads come from `view` (serve_cache.h: reloaded when the backend's revision
// or the config files changed, so several serve processes may share one
// backend); writes catch up under the exclusive lock (FleetStore).
#include <functional>
#include <string>

#include "fleet/api_request.h"
#include "fleet/fleet_store.h"
#include "fleet/rollout.h"
#include "fleet/serve_cache.h"
#include "reconciler/config/resource.h"
#include "state/audit_log.h"
#include "state/keyring.h"

namespace keyform::fleet {

struct ServiceEnvironment {
  Backend* backend = nullptr;
  FleetStore* store = nullptr;  // on backend; the one the view's state comes from
  Keyring* keyring = nullptr;
  // The configuration as it is now (serve reads it from its directory on
  // every request, so a merged policy change counts at once).
  std::function<Config()> load_config;
  // The state and config for a request that arrived at the given time.
  std::function<ServeView(std::chrono::steady_clock::time_point)> view;
  std::function<UnixTime()> now;
  // An audit record with the time and actor filled in.
  std::function<AuditRecord(const std::string& principal, const std::string& action,
                            const std::string& resource, const std::string& version,
                            const std::string& outcome, const std::string& detail)>
      audit_record;
};

class FleetService {
 public:
  explicit FleetService(ServiceEnvironment env);
  // Never throws: every failure is a response with a JSON error body.
  ApiResponse handle(const ApiRequest& request);
  // Appends the audit records of the no-change polls answered since the
  // last call (serve calls it every 100 ms and when it stops). Throws
  // keyform::Error when the audit log cannot be written; they are kept.
  void flush_deferred_audit();

 private:
  ApiResponse dispatch(const Route& route, const ApiRequest& request);
  void confirm_identity(const ApiRequest& request);
  ApiResponse enroll(const ApiRequest& request);
  ApiResponse list_targets(const ApiRequest& request);
  ApiResponse get_target(const ApiRequest& request, const std::string& name);
  ApiResponse report(const ApiRequest& request, const std::string& name);
  // Lets the pull of `version` of `target` through its rollout limits
  // (rollout.h), recording the host's place when it takes one; throws
  // ApiError 409 rollout_paused or rollout_halted with a Retry-After.
  void admit_rollout(const State& cached, const Resource& target, const RolloutLimits& limits,
                     const AgentIdentity& who, const std::string& version);
  // Appends `records` to the audit log before the answer is sent (after any
  // deferred ones, so the log keeps the order requests were answered in).
  void audit(std::vector<AuditRecord> records);
  // A no-change poll (304) reveals nothing: its record joins a batch
  // appended within 100 ms, one transaction for many polls.
  void defer_audit(AuditRecord record);

  ServiceEnvironment env_;
  FleetStore& store_;
  std::vector<AuditRecord> deferred_;
};

// The agent `peer` claims to be, checked against its FleetAgent entry:
// enrolled, not revoked, and this certificate its newest. Throws ApiError
// 401 without a certificate, 403 otherwise.
AgentIdentity authenticate(const State& state, const std::optional<Peer>& peer,
                           const std::string& peer_problem);

// The configured DeploymentTarget `name` when its spec.hosts names `host`;
// ApiError 404 unknown_target otherwise.
const Resource& assigned_target(const Config& config, const std::string& name,
                                const std::string& host);

}  // namespace keyform::fleet
