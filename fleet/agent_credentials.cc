#include "fleet/agent_credentials.h"

#include <atomic>
#include <nlohmann/json.hpp>

#include "fleet/failover.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform::fleet {

namespace fs = std::filesystem;
using json = nlohmann::json;

fs::path identity_dir(const fs::path& dir) { return dir / "identity"; }

namespace {

void finish_interrupted_renewal(const fs::path& at) {
  const fs::path next_key = at / "agent-next.key", next_crt = at / "agent-next.crt";
  if (fs::exists(next_crt)) {
    // Both were durable before the first rename: finish it.
    if (fs::exists(next_key)) fs::rename(next_key, at / "agent.key");
    fs::rename(next_crt, at / "agent.crt");
  } else if (fs::exists(next_key)) {
    fs::remove(next_key);  // the renewal never got its certificate
  }
}

}  // namespace

AgentCredentials load_credentials(const fs::path& dir) {
  const fs::path at = identity_dir(dir);
  if (!fs::exists(at / "agent.crt"))
    throw Error("no agent identity in " + at.string() + ": run keyform agent enroll first");
  finish_interrupted_renewal(at);
  AgentCredentials id;
  id.tls = client_tls_from_files(at / "agent.crt", at / "agent.key", at / "server-ca.pem");
  json info = json::parse(read_file(at / "agent.json"));
  for (const json& s : info.value("servers", json::array()))
    id.servers.push_back(s.get<std::string>());
  if (id.servers.empty()) id.servers.push_back(info.value("server", ""));
  id.host = info.value("host", "");
  return id;
}

HttpsResult agent_request(const AgentCredentials& id, const std::string& method,
                          const std::string& target, const std::string& body,
                          std::chrono::seconds timeout) {
  // The replica that answered last, across the passes of this process.
  static std::atomic<size_t> preferred{0};
  Failover f{id.servers, preferred % id.servers.size(), 3, {}};
  HttpsResult r = send_with_failover(f, [&](const std::string& server) {
    return https_request(server, method, target, body, id.tls, timeout);
  });
  preferred = f.preferred;
  return r;
}

ClientTls client_tls_from_files(const fs::path& cert, const fs::path& key,
                                const fs::path& server_ca) {
  ClientTls tls;
  tls.server_ca_pem = read_file(server_ca);
  tls.certificate_pem = read_file(cert);
  tls.private_key_pem = read_secret_file(key);
  return tls;
}

std::string refusal_code(const HttpsResult& r) {
  try {
    return json::parse(r.body).value("error", "");
  } catch (const json::exception&) {
    return "";
  }
}

std::string refusal_of(const HttpsResult& r) {
  std::string code, message;
  try {
    json j = json::parse(r.body);
    code = j.value("error", "");
    message = j.value("message", "");
  } catch (const json::exception&) {
    message = "(no JSON error body)";
  }
  return std::to_string(r.status) + " " + code + ": " + message;
}

}  // namespace keyform::fleet
