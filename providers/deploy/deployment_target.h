#pragma once
// DeploymentTarget: writes a source's outputs (certificate, chain, private
// key, CRL, trust bundle, ...) to files, atomically and as a group, runs a
// reload command and checks that a TLS endpoint serves what was deployed.
// See providers/file_system.h for the write rules and deploy_contents.h for
// the contents.
#include <memory>
#include <string>
#include <vector>

#include "reconciler/config/resource.h"

namespace keyform {

class Provider;
class ProcessRunner;
class TlsProbe;

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

// The provider's side effects beyond files (those come with each apply, in
// ApplyContext::files): the reload command and the TLS check. The built-in
// registry uses the real ones; tests inject fakes.
struct DeployEffects {
  std::shared_ptr<ProcessRunner> processes;
  std::shared_ptr<TlsProbe> tls;
};

std::unique_ptr<Provider> make_deployment_target_provider(DeployEffects effects);

}  // namespace keyform
