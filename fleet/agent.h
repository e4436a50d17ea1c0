#pragma once
// keyform agent on a host (docs/fleet.md): enrolment, and pulling and
// installing the DeploymentTargets of its host from keyform serve.
//
// DIR/identity/ (0700) holds what the agent is: agent.key (0600, made here,
// never sent anywhere), agent.crt (its identity certificate), agent-ca.pem,
// server-ca.pem, agent.json (server URLs, principal, host) and deployed.json
// (what it last deployed, per target). A relative path of a deployed file is
// below DIR; nothing is deployed into DIR/identity/ or DIR/keys/ (the keys
// this host makes for certificates whose key never leaves it:
// host_key_agent.h).
#include <chrono>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "providers/deploy/deployment_target.h"
#include "providers/file_system.h"
#include "util/time.h"

namespace keyform::fleet {

struct EnrollOptions {
  std::vector<std::string> servers;  // https://HOST:PORT of each replica, tried in order
  std::string token;
  std::filesystem::path server_ca_file;
  std::filesystem::path dir;
};

// Makes the key, sends the CSR with the token, stores the identity. Throws
// keyform::Error naming the server's refusal.
void enroll_agent(const EnrollOptions& options, std::ostream& out);

struct RunOptions {
  std::filesystem::path dir;
  bool once = false;
  std::chrono::seconds interval{30};
  // The clock renewal of host-made keys' certificates is judged by (the
  // system clock when unset; KEYFORM_NOW in the CLI).
  std::function<UnixTime()> now;
};

// Pulls every target of this host, installs what changed, reports each
// outcome back. With once: one pass, returning 0 when every target is in
// place and 1 otherwise; else polls every interval (with jitter, backing off
// on errors, honouring Retry-After) until SIGINT or SIGTERM.
int run_agent(const RunOptions& options, FileSystem& files, const DeployEffects& effects,
              std::ostream& out, std::ostream& err);

}  // namespace keyform::fleet
