#include "fleet/host_certificate.h"

#include "fleet/host_csr.h"
#include "providers/deploy/deploy_contents.h"
#include "providers/deploy/deployment_target.h"
#include "providers/pki/ca_hierarchy.h"
#include "providers/pki/host_key.h"
#include "providers/pki/pki_spec.h"
#include "providers/policy/access_analysis.h"
#include "providers/provider.h"
#include "state/fleet_records.h"
#include "util/encoding.h"

namespace keyform::fleet {

namespace {

using json = nlohmann::json;

std::string issuer_address(const Resource& certificate) {
  return "CertificateAuthority/" + certificate.spec.value("issuer", "");
}

// The Certificate a host-key target deploys (409 when its source makes its
// key centrally: that target's files come from GET /v1/targets/NAME).
const Resource& host_key_source(const Config& config, const Resource& target) {
  const std::string source = target.spec.value("source", "");
  if (!pki::key_generated_on_host(config, source))
    throw ApiError(409, "not_host_generated",
                   source + " makes its key centrally (privateKey.generatedOn: keyform); " +
                       "GET " + "/v1/targets/" + target.name + " sends its files");
  return *config.find(source);
}

// The same policy decision GET /v1/targets/NAME makes (no kms:Decrypt: no
// key is sent). ApiError 403 denied with the reason.
void check_access(const Config& config, const Resource& target, const AgentIdentity& who) {
  if (target.spec.contains("principal") && target.spec["principal"] != who.principal())
    throw ApiError(403, "denied",
                   target.address() + " acts as " + target.spec["principal"].get<std::string>() +
                       "; this agent is " + who.principal());
  const policy::PolicySet policies(config);
  const std::string refusal = policy::deployment_refusal(
      who.principal(), target.spec.value("source", ""),
      policy::deployment_decisions(config, policies, target, who.principal()));
  if (!refusal.empty()) throw ApiError(403, "denied", refusal);
}

const RecordedResource& issuing_ca(const State& state, const std::string& address) {
  const RecordedResource* ca = state.find(address);
  if (!ca) throw ApiError(409, "not_ready", address + " is not in the state yet; apply it first");
  if (pki::is_pending(*ca))
    throw ApiError(409, "not_ready", address + " is PENDING_CERTIFICATE: it cannot issue");
  if (!ca->attributes.value("enabled", true))
    throw ApiError(409, "not_ready", address + " is disabled: it cannot issue");
  return *ca;
}

// The issued certificate's chain, as a deployment's `chain` content.
std::string chain_of(const State& state, const std::string& issuer, const std::string& cert_pem) {
  RecordedResource leaf;
  leaf.kind = "Certificate";
  leaf.attributes = {{"issuer", issuer}, {"certificate_pem", cert_pem}};
  const RecordedLookup find = [&](const std::string& a) { return state.find(a); };
  DeployedFile chain;
  chain.content = "chain";
  return std::string(render_content(chain, {leaf, issuers_of(leaf, find), nullptr, {}}).view());
}

}  // namespace

std::string host_certificate_version(const Resource& certificate, const State& state) {
  json spec = certificate.spec;
  spec.erase("renewBefore");
  spec.erase("renewBeforePercentage");
  const RecordedResource* ca = state.find(issuer_address(certificate));
  const std::string issuer_key = ca ? ca->attributes.value("public_key_sha256", "") : "";
  return "spec:" + sha256_hex(spec.dump() + "\n" + issuer_key).substr(0, 16);
}

ApiResponse host_key_deployment(const ServiceEnvironment& env, const State& state,
                                const Config& config, const Resource& target,
                                const AgentIdentity& who) {
  const Resource& cert = host_key_source(config, target);
  const json key = cert.spec.value("privateKey", json::object());
  json body = {{"target", target.address()},
               {"source", cert.address()},
               {"version", host_certificate_version(cert, state)},
               {"private_key",
                {{"generated_on", "host"},
                 {"key_algorithm", pki::string_field(cert.spec, "keyAlgorithm", "EC_prime256v1")},
                 {"encoding", pki::string_field(key, "encoding", "PKCS8")},
                 {"rotation_policy", pki::string_field(key, "rotationPolicy", "Always")}}},
               {"renewal", json::object()}};
  for (const char* k : {"renewBefore", "renewBeforePercentage"})
    if (cert.spec.contains(k)) body["renewal"][k] = cert.spec[k];
  if (target.spec.contains("reload")) body["reload"] = target.spec["reload"];
  if (target.spec.contains("verify")) body["verify"] = target.spec["verify"];
  json files = json::array();
  for (const DeployedFile& f : deployed_files(target)) {
    json info = {{"path", f.path}, {"content", f.content}, {"format", f.format}, {"mode", f.mode}};
    if (!f.owner.empty()) info["owner"] = f.owner;
    if (!f.group.empty()) info["group"] = f.group;
    files.push_back(std::move(info));
  }
  body["files"] = std::move(files);
  const std::string version = body["version"].get<std::string>();
  append_audit(
      *env.backend,
      {env.audit_record(who.principal(), "fleet:GetDeployment", target.address(), version, "ok",
                        "agent " + who.host + ": the files of " + cert.address() +
                            ", whose key is made on the host")});
  return {200, body.dump(), 0};
}

namespace {

bool still_valid(const json& issued, UnixTime now) {
  const std::optional<UnixTime> expires = parse_rfc3339(issued.value("not_after", ""));
  return expires && *expires > now;
}

}  // namespace

ApiResponse issue_host_certificate(const ServiceEnvironment& env, FleetStore& store,
                                   const ApiRequest& request, const std::string& name) {
  const json j = parse_json_body(request.body);
  const std::string csr_pem = required_string(j, "csr", kMaxCsrBytes);
  x509::CsrPtr csr;
  try {
    csr = parse_signed_csr(csr_pem);
  } catch (const Error& e) {
    throw ApiError(400, "invalid_csr", e.what());
  }
  const Config config = env.load_config();
  const UnixTime now = env.now();
  AgentIdentity who;
  std::string source, cert_pem, chain_pem, version;
  json issued;
  store.write(
      [&](const State& state) {
        who = authenticate(state, request.peer, request.peer_problem);
        const Resource& target = assigned_target(config, name, who.host);
        const Resource& cert = host_key_source(config, target);
        source = cert.address();
        check_access(config, target, who);
        if (std::optional<CsrRefusal> no = check_host_csr(csr.get(), cert, who))
          throw ApiError(no->status, no->code, no->message);
        const std::string ca_address = issuer_address(cert);
        const RecordedResource& ca = issuing_ca(state, ca_address);
        env.keyring->set_key_states(state);
        x509::CertPtr leaf = pki::issue_with(
            pki::certificate_leaf_request(cert, X509_REQ_get0_pubkey(csr.get()), ca, now), ca,
            *env.keyring);
        cert_pem = x509::certificate_to_pem(leaf.get());
        chain_pem = chain_of(state, ca_address, cert_pem);
        version = host_certificate_version(cert, state);

        RecordedResource rec;
        const std::string address = std::string(kFleetCertificate) + "/" + name;
        if (const RecordedResource* found = state.find(address)) rec = *found;
        rec.kind = std::string(kFleetCertificate);
        rec.name = name;
        rec.attributes["target"] = target.address();
        rec.attributes["source"] = source;
        issued = {{"principal", who.principal()},
                  {"issuer", ca_address},
                  {"serial", x509::serial_hex(leaf.get())},
                  {"fingerprint_sha256", x509::fingerprint_sha256(leaf.get())},
                  {"public_key_sha256", x509::public_key_sha256(leaf.get())},
                  {"not_before", format_rfc3339(x509::not_before(leaf.get()))},
                  {"not_after", format_rfc3339(x509::not_after(leaf.get()))},
                  {"version", version},
                  {"issued", format_rfc3339(now)}};
        // The certificates it replaces stay listed until they expire, so
        // revoking the agent revokes every one still valid.
        json previous = json::array();
        const json was = rec.attributes.value("hosts", json::object()).value(who.host, json());
        if (was.is_object()) {
          for (const json& p : was.value("previous", json::array()))
            if (still_valid(p, now)) previous.push_back(p);
          if (!was.contains("revoked") && still_valid(was, now))
            previous.push_back({{"serial", was.value("serial", "")},
                                {"issuer", was.value("issuer", "")},
                                {"not_after", was.value("not_after", "")}});
        }
        if (!previous.empty()) issued["previous"] = std::move(previous);
        rec.attributes["hosts"][who.host] = issued;
        rec.updated_at = now;
        return std::vector<RecordedResource>{rec};
      },
      now);
  const std::string serial = issued.value("serial", "");
  append_audit(
      *env.backend,
      {env.audit_record(who.principal(), "fleet:IssueHostCertificate", source, serial, "ok",
                        "agent " + who.host + ": issued " + source + " serial " + serial +
                            " for DeploymentTarget/" + name + ", for a key made on the host")});
  return {200,
          json{{"target", "DeploymentTarget/" + name},
               {"source", source},
               {"version", version},
               {"serial", serial},
               {"fingerprint", issued.value("fingerprint_sha256", "")},
               {"not_after", issued.value("not_after", "")},
               {"certificate", cert_pem},
               {"chain", chain_pem}}
              .dump(),
          0};
}

}  // namespace keyform::fleet
