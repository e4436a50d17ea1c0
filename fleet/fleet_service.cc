#include "fleet/fleet_service.h"

#include <openssl/crypto.h>

#include "fleet/agent_revocation.h"
#include "fleet/enrollment.h"
#include "fleet/host_certificate.h"
#include "fleet/identity_renewal.h"
#include "fleet/join_token.h"
#include "fleet/long_poll.h"
#include "fleet/reader_api.h"
#include "providers/deploy/deployment_target.h"
#include "providers/pki/host_key.h"
#include "providers/secrets/secret_versions.h"
#include "state/fleet_records.h"
#include "util/encoding.h"

namespace keyform::fleet {

namespace {

using json = nlohmann::json;

std::string target_address(const std::string& name) { return "DeploymentTarget/" + name; }
std::string inventory_address(const std::string& name) {
  return std::string(kFleetInventory) + "/" + name;
}

// The FleetInventory entry of DeploymentTarget/<name> as recorded, to change.
RecordedResource inventory_entry(const State& state, const std::string& name) {
  RecordedResource inv;
  if (const RecordedResource* found = state.find(inventory_address(name))) inv = *found;
  inv.kind = std::string(kFleetInventory);
  inv.name = name;
  inv.attributes["target"] = target_address(name);
  return inv;
}

// Retry-After of a paused rollout (a place frees when a host reports) and
// of a halted one (it waits on a person).
constexpr int kPausedRetry = 5;
constexpr int kHaltedRetry = 60;

// Appends `"name":"<base64 of bytes>"` without leaving an uncleansed copy.
void append_base64(std::string& out, const SecretBytes& bytes) {
  std::string b64 = base64_encode(bytes.data(), bytes.size());
  out += b64;
  OPENSSL_cleanse(b64.data(), b64.size());
}

// The body of GET /v1/targets/NAME. Built by hand so the file contents
// (keys, secret values) exist only in this string, which the server
// cleanses once sent.
std::string deployment_body(const Resource& target, RenderedDeployment& d) {
  json meta = {{"target", target.address()},
               {"source", d.source},
               {"version", d.source_version},
               {"serial", d.source_serial},
               {"fingerprint", d.source_fingerprint}};
  if (target.spec.contains("reload")) meta["reload"] = target.spec["reload"];
  if (target.spec.contains("verify")) meta["verify"] = target.spec["verify"];
  std::string out = meta.dump();
  out.pop_back();  // the closing brace: the files follow
  out += ",\"files\":[";
  for (size_t i = 0; i < d.files.size(); ++i) {
    const DeployedFile& f = d.files[i].file;
    json info = {{"path", f.path}, {"content", f.content}, {"mode", f.mode}};
    if (!f.owner.empty()) info["owner"] = f.owner;
    if (!f.group.empty()) info["group"] = f.group;
    std::string head = info.dump();
    head.pop_back();
    out += (i ? "," : "") + head + ",\"data\":\"";
    append_base64(out, d.files[i].content);
    out += "\"}";
  }
  out += "]}";
  return out;
}

}  // namespace

const Resource& assigned_target(const Config& config, const std::string& name,
                                const std::string& host) {
  const Resource* t = config.find(target_address(name));
  if (!t || !target_has_host(*t, host))
    throw ApiError(404, "unknown_target",
                   target_address(name) + " is not assigned to host " + host +
                       " (its spec.hosts does not name it)");
  return *t;
}

AgentIdentity authenticate(const State& state, const std::optional<Peer>& peer,
                           const std::string& peer_problem) {
  if (!peer)
    throw ApiError(401, "client_certificate_required",
                   peer_problem.empty()
                       ? "this endpoint needs the agent's client certificate (keyform agent enroll)"
                       : "the client certificate carries no usable identity: " + peer_problem);
  const AgentIdentity& who = peer->identity;
  const RecordedResource* agent = state.find(std::string(kFleetAgent) + "/" + who.host);
  if (!agent)
    throw ApiError(403, "unknown_agent",
                   "no agent is enrolled as host " + who.host + "; enrol it with a new token");
  if (agent->attributes.contains("revoked"))
    throw ApiError(403, "agent_revoked",
                   "agent " + who.host + " was revoked at " +
                       agent->attributes.value("revoked", "") +
                       " (keyform agent revoke); enrol it again with a new token");
  refuse_revoked_serial(state, *agent, peer->serial);
  if (agent->attributes.value("serial", "") != peer->serial)
    throw ApiError(403, "superseded_identity",
                   "this certificate (serial " + peer->serial + ") is not the newest identity of " +
                       who.host + " (serial " + agent->attributes.value("serial", "") + ")");
  if (agent->attributes.value("principal", "") != who.principal())
    throw ApiError(403, "unknown_agent",
                   "host " + who.host + " is enrolled as " +
                       agent->attributes.value("principal", "") + ", not " + who.principal());
  return who;
}

FleetService::FleetService(ServiceEnvironment env) : env_(std::move(env)), store_(*env_.store) {}

void FleetService::audit(std::vector<AuditRecord> records) {
  // The deferred records go first, in the same append (one transaction);
  // copied, so they are kept when it fails.
  if (deferred_.empty()) return append_audit(*env_.backend, std::move(records));
  std::vector<AuditRecord> all = deferred_;
  all.insert(all.end(), std::make_move_iterator(records.begin()),
             std::make_move_iterator(records.end()));
  append_audit(*env_.backend, std::move(all));
  deferred_.clear();
}

// A batch past this is appended at once rather than at the next tick.
constexpr size_t kMaxDeferredAudit = 1000;

void FleetService::defer_audit(AuditRecord record) {
  deferred_.push_back(std::move(record));
  if (deferred_.size() >= kMaxDeferredAudit) flush_deferred_audit();
}

void FleetService::flush_deferred_audit() {
  if (deferred_.empty()) return;
  append_audit(*env_.backend, deferred_);
  deferred_.clear();
}

ApiResponse FleetService::handle(const ApiRequest& request) {
  const std::string principal = request.peer ? request.peer->identity.principal() : "anonymous";
  const std::string host = request.peer ? request.peer->identity.host : "";
  std::string action = "fleet:Unknown";
  ApiResponse response;
  try {
    Route route = route_request(request.method, request.target);
    action = endpoint_action(route.endpoint);
    return dispatch(route, request);
  } catch (const ApiError& e) {
    response = error_response(e.status(), e.code(), e.what());
    response.retry_after = e.retry_after();
  } catch (const StateBusy& e) {
    response = error_response(503, "busy", e.what());
    response.retry_after = 2;
  } catch (const std::exception& e) {
    response = error_response(500, "internal", e.what());
  }
  // A refusal is audited here; what succeeded was audited by its handler.
  try {
    const json body = json::parse(response.body);
    const std::string outcome =
        response.status == 403 || response.status == 401 ? "denied" : "failed";
    audit({env_.audit_record(principal, action, request.target.substr(0, 200), "", outcome,
                             (host.empty() ? std::string() : "agent " + host + ": ") +
                                 std::to_string(response.status) + " " + body.value("error", "") +
                                 ": " + body.value("message", ""))});
  } catch (const std::exception& e) {
    return error_response(500, "internal", std::string("cannot audit the request: ") + e.what());
  }
  return response;
}

// The first request with a renewed certificate proves its answer arrived:
// from then on the certificate it replaced may not renew again
// (identity_renewal.cc). One write per renewal; every later request only
// looks.
void FleetService::confirm_identity(const ApiRequest& request) {
  if (!request.peer) return;
  const std::string address = std::string(kFleetAgent) + "/" + request.peer->identity.host;
  auto unconfirmed = [&](const State& state) -> const RecordedResource* {
    const RecordedResource* agent = state.find(address);
    return agent && agent->attributes.contains("unconfirmed_previous") &&
                   agent->attributes.value("serial", "") == request.peer->serial
               ? agent
               : nullptr;
  };
  if (!unconfirmed(*env_.view(request.received).state)) return;
  store_.write(
      [&](const State& state) -> std::vector<RecordedResource> {
        const RecordedResource* agent = unconfirmed(state);
        if (!agent) return {};
        RecordedResource confirmed = *agent;
        confirmed.attributes.erase("unconfirmed_previous");
        confirmed.updated_at = env_.now();
        return {confirmed};
      },
      env_.now());
}

ApiResponse FleetService::dispatch(const Route& route, const ApiRequest& request) {
  if (route.endpoint != Endpoint::kRenew && route.endpoint != Endpoint::kEnroll &&
      route.endpoint != Endpoint::kHealth) {
    refuse_out_of_validity(request.peer, env_.now(),
                           [this] { return renewal_grace(env_.load_config()); });
    confirm_identity(request);
  }
  switch (route.endpoint) {
    case Endpoint::kHealth:
      return {200, json{{"status", "ok"}, {"time", format_rfc3339(env_.now())}}.dump(), 0};
    case Endpoint::kEnroll:
      return enroll(request);
    case Endpoint::kTargets:
      return list_targets(request);
    case Endpoint::kTarget:
      return get_target(request, route.target_name);
    case Endpoint::kReport:
      return report(request, route.target_name);
    case Endpoint::kCertificate:
      return issue_host_certificate(env_, store_, request, route.target_name);
    case Endpoint::kRenew:
      return renew_identity(env_, store_, request);
    case Endpoint::kSecret:
      return read_secret(env_, store_, request, route.target_name);
    case Endpoint::kAccessCheck:
      return check_access(env_, store_, request);
  }
  throw ApiError(404, "unknown_endpoint", "no such endpoint");
}

ApiResponse FleetService::enroll(const ApiRequest& request) {
  EnrollBody body = parse_enroll_body(request.body);
  x509::CsrPtr csr;
  try {
    csr = parse_agent_csr(body.csr);
  } catch (const Error& e) {
    throw ApiError(400, "invalid_csr", e.what());
  }
  const Config config = env_.load_config();
  const UnixTime now = env_.now();
  IssuedIdentity issued;
  AgentIdentity who;
  try {
    // Redeeming the token and recording the identity it grants are one
    // write under the exclusive lock: a token enrols at most one agent.
    store_.write(
        [&](const State& state) {
          RecordedResource token = redeem_join_token(state, body.token, now);
          who = token_identity(token);
          env_.keyring->set_key_states(state);
          issued = issue_agent_identity(config, state, *env_.keyring, who, csr.get(), now);
          return std::vector<RecordedResource>{token, issued.agent};
        },
        now);
  } catch (const TokenRefused& e) {
    OPENSSL_cleanse(body.token.data(), body.token.size());
    throw ApiError(403, "token_refused", e.what());
  }
  OPENSSL_cleanse(body.token.data(), body.token.size());
  const std::string serial = issued.agent.attributes.value("serial", "");
  audit({env_.audit_record(who.principal(), "fleet:Enroll", issued.agent.address(), serial, "ok",
                           "agent " + who.host + ": enrolled as " + who.uri())});
  return {200, identity_answer(who, issued, now).dump(), 0};
}

ApiResponse FleetService::list_targets(const ApiRequest& request) {
  const PollParams poll = parse_poll_params(request.target);
  const ServeView view = env_.view(request.received);
  const AgentIdentity who = authenticate(*view.state, request.peer, request.peer_problem);
  HostTargets listed = host_targets(*view.config, *view.policies, *view.state, who);
  const bool unchanged = poll.since && *poll.since == listed.revision;
  if (unchanged && request.may_park && poll.wait.count() > 0) {
    ApiResponse parked{304, "", 0};
    parked.park = poll.wait;
    return parked;
  }
  AuditRecord polled = env_.audit_record(
      who.principal(), "fleet:ListTargets", "", listed.revision, "ok",
      "agent " + who.host + ": " +
          (unchanged ? "unchanged" : std::to_string(listed.targets.size()) + " target(s)"));
  if (unchanged) {
    defer_audit(std::move(polled));
    return {304, "", 0};
  }
  audit({std::move(polled)});
  return {200,
          json{{"host", who.host},
               {"principal", who.principal()},
               {"revision", listed.revision},
               {"targets", listed.targets},
               {"server_time", format_rfc3339(env_.now())}}
              .dump(),
          0};
}

ApiResponse FleetService::get_target(const ApiRequest& request, const std::string& name) {
  const ServeView view = env_.view(request.received);
  const State& state = *view.state;
  const AgentIdentity who = authenticate(state, request.peer, request.peer_problem);
  const Config& config = *view.config;
  const Resource& target = assigned_target(config, name, who.host);
  const std::string source = target.spec.value("source", "");
  auto deny = [&](const std::string& why) -> ApiResponse {
    std::vector<AuditRecord> records = {env_.audit_record(who.principal(), "fleet:GetDeployment",
                                                          target.address(), "", "denied",
                                                          "agent " + who.host + ": " + why)};
    if (source.starts_with("Secret/"))
      records.push_back(env_.audit_record(who.principal(), "secret:GetSecretValue", source, "",
                                          "denied", "agent " + who.host + ": " + why));
    audit(std::move(records));
    return error_response(403, "denied", why);
  };
  const std::string refusal = target_refusal(config, *view.policies, target, who.principal());
  if (!refusal.empty()) return deny(refusal);
  if (pki::key_generated_on_host(config, source))
    return host_key_deployment(env_, state, config, target, who);
  const RecordedResource* src = state.find(source);
  if (!src) throw ApiError(409, "not_ready", source + " is not in the state yet; apply it first");
  env_.keyring->set_key_states(state);
  RenderedDeployment d;
  try {
    d = render_deployment(
        target, *src, [&](const std::string& a) { return state.find(a); }, *env_.keyring);
  } catch (const Error& e) {
    throw ApiError(409, "not_ready", e.what());
  }
  if (std::optional<RolloutLimits> limits = rollout_limits(target))
    admit_rollout(state, target, *limits, who, d.source_version);
  std::string body = deployment_body(target, d);
  const std::string detail = "agent " + who.host + ": sent " + std::to_string(d.files.size()) +
                             " file(s) of " + source + " " + d.source_version;
  std::vector<AuditRecord> records = {env_.audit_record(
      who.principal(), "fleet:GetDeployment", target.address(), d.source_version, "ok", detail)};
  if (src->kind == "Secret") {
    const json* v = secrets::version_with_stage(src->attributes, "CURRENT");
    records.push_back(env_.audit_record(who.principal(), "secret:GetSecretValue", source,
                                        v ? v->value("id", "") : "", "ok", detail));
  }
  audit(std::move(records));
  return {200, std::move(body), 0};
}

void FleetService::admit_rollout(const State& cached, const Resource& target,
                                 const RolloutLimits& limits, const AgentIdentity& who,
                                 const std::string& version) {
  const UnixTime now = env_.now();
  auto decide = [&](const State& state) {
    RolloutDecision d = decide_rollout(target, limits, state, who.host, version, now);
    if (d.verdict == RolloutVerdict::kPaused)
      throw ApiError(409, "rollout_paused", d.message, kPausedRetry);
    if (d.verdict == RolloutVerdict::kHalted)
      throw ApiError(409, "rollout_halted", d.message, kHaltedRetry);
    return d.verdict;
  };
  // The cached state turns most waiting hosts away without the lock; a place
  // is taken on the state as it is under the exclusive lock.
  if (decide(cached) != RolloutVerdict::kTakePlace) return;
  store_.write(
      [&](const State& state) -> std::vector<RecordedResource> {
        if (decide(state) != RolloutVerdict::kTakePlace) return {};
        RecordedResource inv = inventory_entry(state, target.name);
        json& h = inv.attributes["hosts"][who.host];
        h["principal"] = who.principal();
        take_rollout_place(h, version, now + limits.timeout);
        inv.updated_at = now;
        return {inv};
      },
      now);
}

ApiResponse FleetService::report(const ApiRequest& request, const std::string& name) {
  const ReportBody body = parse_report_body(request.body);
  const ServeView view = env_.view(request.received);
  const Config& config = *view.config;
  const UnixTime now = env_.now();
  AgentIdentity who;
  store_.write(
      [&](const State& state) {
        who = authenticate(state, request.peer, request.peer_problem);
        assigned_target(config, name, who.host);
        RecordedResource inv = inventory_entry(state, name);
        json& h = inv.attributes["hosts"][who.host];
        clear_rollout_place(h);
        h["principal"] = who.principal();
        h["reported"] = format_rfc3339(now);
        h["outcome"] = body.ok ? "ok" : "failed";
        if (body.ok) {
          // What the host serves now; a failure keeps the last good one.
          h["version"] = body.version;
          h["serial"] = body.serial;
          h["fingerprint_sha256"] = body.fingerprint;
          h["deployed"] = format_rfc3339(now);
          h.erase("error");
        } else {
          h["error"] = body.error;
          h["failed_version"] = body.version;
        }
        inv.updated_at = now;
        return std::vector<RecordedResource>{inv};
      },
      now);
  audit({env_.audit_record(
      who.principal(), "fleet:ReportDeployment", target_address(name),
      body.serial.empty() ? body.version : body.serial, body.ok ? "ok" : "failed",
      "agent " + who.host + ": " + (body.ok ? "deployed " + body.version : body.error))});
  return {200, json{{"recorded", true}}.dump(), 0};
}

}  // namespace keyform::fleet
