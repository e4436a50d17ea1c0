#pragma once
// What an enrolled agent holds in DIR/identity/ (docs/fleet.md, "The
// agent"): its key, its identity certificate, the CA files and agent.json,
// loaded for a request to serve; the request itself, across replicas; and
// how a refusal from serve reads.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "fleet/https_client.h"

namespace keyform::fleet {

std::filesystem::path identity_dir(const std::filesystem::path& dir);

struct AgentCredentials {
  ClientTls tls;
  std::vector<std::string> servers;  // https://HOST:PORT..., from agent.json, never empty
  std::string host;
};

// Loads DIR/identity/, first finishing a renewal that was interrupted
// between installing the new key and the new certificate (the pair is
// written as agent-next.key and agent-next.crt, then renamed, key first).
// Throws keyform::Error when DIR holds no identity.
AgentCredentials load_credentials(const std::filesystem::path& dir);

// A GET or POST with the agent's identity, to the replica that answered
// last in this process and, on failure (unreachable, 5xx), to the next
// (failover.h): a failed request is tried again, never taken as an answer.
HttpsResult agent_request(const AgentCredentials& id, const std::string& method,
                          const std::string& target, const std::string& body = "",
                          std::chrono::seconds timeout = std::chrono::seconds(30));

// A client identity from files (`--cert`, `--key`, `--server-ca`).
ClientTls client_tls_from_files(const std::filesystem::path& cert, const std::filesystem::path& key,
                                const std::filesystem::path& server_ca);

// serve's refusal as one line, "403 denied: <message>", and its code alone.
std::string refusal_of(const HttpsResult& r);
std::string refusal_code(const HttpsResult& r);

}  // namespace keyform::fleet
