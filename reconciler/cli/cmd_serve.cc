// keyform serve --listen ADDR:PORT: the fleet's HTTPS API (docs/fleet.md).
// Mutual TLS with the agents' identity certificates (spec.fleet.agentCA),
// its own certificate spec.fleet.serverCertificate, whose key it opens with
// the root key. It takes the state lock only for the moment of each request.
#include <iostream>

#include "fleet/fleet_service.h"
#include "fleet/https_server.h"
#include "reconciler/cli/audit_trail.h"
#include "reconciler/cli/commands.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

struct ServeCommand {
  std::string listen = "127.0.0.1:8443";
};

const RecordedResource& recorded(const State& state, const std::string& address,
                                 const std::string& field) {
  const RecordedResource* r = state.find(address);
  if (!r) throw Error(address + " (" + field + ") is not in the state; apply it first");
  if (r->attributes.value("certificate_pem", "").empty())
    throw Error(address + " (" + field + ") has no certificate yet");
  return *r;
}

// The server certificate and its issuers, nearest first, as PEM.
std::string certificate_chain(const State& state, const RecordedResource& cert) {
  std::string pem = cert.attributes.value("certificate_pem", "");
  const RecordedResource* at = &cert;
  for (int depth = 0; depth < 16; ++depth) {
    const RecordedResource* issuer = state.find(at->attributes.value("issuer", ""));
    if (!issuer || issuer == at) break;
    pem += issuer->attributes.value("certificate_pem", "");
    at = issuer;
  }
  return pem;
}

int run_serve(const GlobalOptions& global, const ServeCommand& opts) {
  Workspace ws(global);
  const FleetSettings& fleet = ws.config().project.fleet;
  if (fleet.agent_ca.empty())
    throw Error("keyform.yaml names no agent CA: set spec.fleet.agentCA (docs/fleet.md)");
  if (fleet.server_certificate.empty())
    throw Error(
        "keyform.yaml names no server certificate: set spec.fleet.serverCertificate "
        "(docs/fleet.md)");
  size_t colon = opts.listen.rfind(':');
  if (colon == std::string::npos) throw Error("--listen: expected ADDRESS:PORT");
  fleet::ServerOptions server;
  server.address = opts.listen.substr(0, colon);
  try {
    int port = std::stoi(opts.listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    server.port = static_cast<uint16_t>(port);
  } catch (const std::exception&) {
    throw Error("--listen: expected ADDRESS:PORT with a port number (0 picks a free one)");
  }

  fleet::FleetStore store(ws.backend(), "serve");
  const State state = store.read();
  Keyring keyring(ws.root_key(state), ws.backend().objects());
  keyring.set_key_states(state);
  const RecordedResource& cert =
      recorded(state, fleet.server_certificate, "spec.fleet.serverCertificate");
  fleet::ServerTls tls;
  tls.certificate_chain_pem = certificate_chain(state, cert);
  tls.private_key_pem = keyring.open(object_id(cert, "privateKey"), private_key_context(cert));
  tls.client_ca_pem =
      recorded(state, fleet.agent_ca, "spec.fleet.agentCA").attributes.value("certificate_pem", "");

  fleet::ServiceEnvironment env;
  env.backend = &ws.backend();
  env.keyring = &keyring;
  env.load_config = [&global] { return Workspace(global).config(); };
  env.now = [&ws] { return ws.now(); };
  env.audit_record = audit_record;
  fleet::FleetService service(std::move(env));
  fleet::serve_https(
      server, tls, [&service](const fleet::ApiRequest& r) { return service.handle(r); }, std::cout);
  return kExitOk;
}

}  // namespace

void register_serve(CLI::App& app, const GlobalOptions& global, Runner* run) {
  auto opts = std::make_shared<ServeCommand>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the fleet: agents pull their DeploymentTargets over mutual TLS");
  cmd->add_option("--listen", opts->listen,
                  "ADDRESS:PORT to listen on (default 127.0.0.1:8443; port 0 picks a free one)");
  cmd->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_serve(global, *opts); }; });
}

}  // namespace keyform::cli
