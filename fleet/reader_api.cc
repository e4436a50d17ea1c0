#include "fleet/reader_api.h"

#include <openssl/crypto.h>

#include "providers/policy/access_analysis.h"
#include "providers/policy/decision_json.h"
#include "providers/secrets/secret_read.h"
#include "util/encoding.h"

namespace keyform::fleet {

namespace {

using json = nlohmann::json;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

std::string checked_parameter(std::string_view target, std::string_view name) {
  std::string v = query_parameter(target, name);
  if (v.size() > 256)
    throw ApiError(400, "invalid_field", std::string(name) + ": longer than 256 bytes");
  return v;
}

}  // namespace

std::string query_parameter(std::string_view target, std::string_view name) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return "";
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return eq == std::string_view::npos ? "" : percent_decoded(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return "";
}

ApiResponse read_secret(ServiceEnvironment& env, FleetStore& store, const ApiRequest& request,
                        const std::string& name) {
  const State state = store.read();
  const AgentIdentity who = authenticate(state, request.peer, request.peer_problem);
  const std::string address = "Secret/" + name;
  secrets::VersionSelector which;
  which.version_id = checked_parameter(request.target, "version");
  which.field = checked_parameter(request.target, "field");
  if (std::string stage = checked_parameter(request.target, "stage"); !stage.empty()) {
    if (stage != "CURRENT" && stage != "PENDING" && stage != "PREVIOUS")
      throw ApiError(400, "invalid_field", "stage: expected CURRENT, PENDING or PREVIOUS");
    if (!which.version_id.empty())
      throw ApiError(400, "invalid_field", "give stage or version, not both");
    which.stage = stage;
  }
  const Config config = env.load_config();
  const secrets::SelectedVersion selected = secrets::selected_version(state.find(address), which);
  // Refusals after this point are audited here and returned, not thrown
  // (FleetService::handle audits what is thrown).
  auto audited = [&](const std::string& outcome, const std::string& detail) {
    append_audit(*env.backend,
                 {env.audit_record(who.principal(), "secret:GetSecretValue", address, selected.id,
                                   outcome, "agent " + who.host + ": " + detail)});
  };
  if (!config.find(address)) {
    const std::string why = who.principal() + " cannot read " + address +
                            ": it is not in the configuration, so no policy allows it";
    audited("denied", why);
    return error_response(403, "denied", why);
  }
  policy::Context context;
  if (!selected.stage.empty()) context["secret:VersionStage"] = selected.stage;
  const policy::Decision d =
      policy::authorize(config, who.principal(), "secret:GetSecretValue", address, context);
  if (!d.allowed) {
    const std::string why =
        who.principal() + " cannot read " + address + ": it " + policy::refusal(d);
    audited("denied", why);
    return error_response(403, "denied", why);
  }
  env.keyring->set_key_states(state);
  SecretBytes value;
  try {
    value = secrets::read_secret_version(state, address, *env.keyring, which);
  } catch (const Error& e) {
    audited("failed", e.what());
    return error_response(409, "not_ready", e.what());
  }
  audited("ok", d.because());
  // Built by hand so the value exists only in this body, which the server
  // cleanses once sent.
  std::string body = json{{"secret", address}, {"version", selected.id}}.dump();
  body.pop_back();
  body += ",\"value\":\"";
  std::string b64 = base64_encode(value.data(), value.size());
  body += b64;
  OPENSSL_cleanse(b64.data(), b64.size());
  body += "\"}";
  return {200, std::move(body), 0};
}

ApiResponse check_access(ServiceEnvironment& env, FleetStore& store, const ApiRequest& request) {
  const State state = store.read();
  const AgentIdentity who = authenticate(state, request.peer, request.peer_problem);
  const json j = parse_json_body(request.body);
  const std::string action = required_string(j, "action", 128);
  const std::string resource = required_string(j, "resource", 256);
  policy::Context context;
  if (j.contains("context")) {
    if (!j["context"].is_object() || j["context"].size() > 32)
      throw ApiError(400, "invalid_field", "context: expected an object of at most 32 strings");
    for (const auto& [k, v] : j["context"].items()) {
      if (!v.is_string() || k.size() > 128)
        throw ApiError(400, "invalid_field",
                       "context: " + k.substr(0, 128) + ": expected a string");
      context[k] = optional_string(j["context"], k, 1024);
    }
  }
  const Config config = env.load_config();
  policy::Decision d;
  try {
    d = policy::authorize(config, who.principal(), action, resource, context);
  } catch (const Error& e) {
    throw ApiError(400, "invalid_field", e.what());
  }
  append_audit(
      *env.backend,
      {env.audit_record(who.principal(), "fleet:CheckAccess", resource, "", "ok",
                        "agent " + who.host + ": " + (d.allowed ? "ALLOW " : "DENY ") + action)});
  json answer = policy::decision_json(d);
  answer["text"] = policy::decision_text(d);
  return {200, answer.dump(), 0};
}

}  // namespace keyform::fleet
