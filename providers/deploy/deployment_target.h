#pragma once
// DeploymentTarget: writes a source's outputs (certificate, chain, private
// key, CRL, trust bundle, ...) to files, atomically and as a group, runs a
// reload command and checks that a TLS endpoint serves what was deployed.
// See providers/file_system.h for the write rules and deploy_contents.h for
// the contents.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "providers/file_system.h"
#include "reconciler/config/resource.h"
#include "state/keyring.h"
#include "state/state.h"
#include "util/secret_bytes.h"

namespace keyform {

class Provider;
class ProcessRunner;
class TlsProbe;

// The first reason of the no-op plan gives a target with spec.hosts: the
// agents of those hosts write it (docs/fleet.md), apply never does.
inline constexpr std::string_view kWrittenByAgents = "written by keyform agent on hosts ";

struct DeployedFile {
  std::string path;            // as written in the config
  std::string content;         // see deploy_contents.h
  std::string format = "pem";  // pem or der
  unsigned mode = 0600;
  std::string owner;  // user name or uid; "" keeps the writer's
  std::string group;  // group name or gid
  // pkcs12: passwordFrom {secret, field}.
  std::string password_secret;
  std::string password_field;
};

std::vector<DeployedFile> deployed_files(const Resource& target);

// spec.hosts: the host names or globs whose agents write the target; empty
// when apply writes it on its own machine.
std::vector<std::string> target_hosts(const Resource& target);
// Whether `host` is one of target_hosts(target) (globs with * and ?).
bool target_has_host(const Resource& target, const std::string& host);
// The enrolled, unrevoked agents (FleetAgent entries, state/fleet_records.h)
// of the hosts `target` names, in host order: looked up by name when every
// pattern is literal, else found among the agents only (not the whole state).
std::vector<const RecordedResource*> enrolled_agents(const Resource& target, const State& state);

using RecordedLookup = std::function<const RecordedResource*(const std::string&)>;

// The issuers of a certificate (its "issuer" attribute, then theirs),
// nearest first, as recorded now: a CA that renewed since the certificate
// was issued contributes its new certificate.
std::vector<const RecordedResource*> issuers_of(const RecordedResource& cert,
                                                const RecordedLookup& find);

// One deployment of a target, rendered from its source as recorded: what
// apply writes on its own machine, and what keyform serve sends an agent.
struct RenderedFile {
  DeployedFile file;  // as configured (the path as written)
  SecretBytes content;
};
struct RenderedDeployment {
  std::vector<RenderedFile> files;
  std::string source;              // "Certificate/web"
  std::string source_version;      // what diff compares with the last deployment
  std::string source_serial;       // the certificate's serial, "" for other kinds
  std::string source_fingerprint;  // the certificate's SHA-256, "" for other kinds
  nlohmann::json chain_fingerprints = nlohmann::json::array();
};
// `find` looks up the source's issuers and pkcs12 password Secrets. Throws
// keyform::Error (never with secret material) when something is missing.
RenderedDeployment render_deployment(const Resource& target, const RecordedResource& source,
                                     const RecordedLookup& find, Keyring& keyring);
// What render_deployment's source_version would be, without opening any
// sealed object (keyform serve's long-poll compares it).
std::string deployment_source_version(const Resource& target, const RecordedResource& source,
                                      const RecordedLookup& find);

// A file of a deployment as the file system seam writes it: a relative path
// is below `dir` (the config directory for apply, the agent's directory for
// an agent) and no link is followed below `dir`; an absolute one below "/".
// Resolves owner and group names (throws when there is no such user).
FileToWrite file_to_write(const DeployedFile& f, SecretBytes content,
                          const std::filesystem::path& dir);

// The provider's side effects beyond files (those come with each apply, in
// ApplyContext::files): the reload command and the TLS check. The built-in
// registry uses the real ones; tests inject fakes.
struct DeployEffects {
  std::shared_ptr<ProcessRunner> processes;
  std::shared_ptr<TlsProbe> tls;
};

std::unique_ptr<Provider> make_deployment_target_provider(DeployEffects effects);

// How the files of one deployment are put in place.
struct Installation {
  const nlohmann::json* spec = nullptr;  // the target's spec: reload and verify
  std::string dir;                       // where the reload command runs
  std::vector<std::string> hidden_env;   // variables the reload command never sees
  std::string fingerprint, serial;       // what verify.tls expects the endpoint to serve
};
// Switches `writes` in as a group, runs the reload command and the TLS check;
// on a failure puts the previous files back, reloads them and throws the
// reason. The one way apply and keyform agent run install files.
void install_deployment(FileSystem& fs, const DeployEffects& effects,
                        std::vector<FileToWrite>& writes, const Installation& how);

}  // namespace keyform
