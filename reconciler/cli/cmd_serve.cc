// keyform serve --listen ADDR:PORT: the fleet's HTTPS API (docs/fleet.md).
// Mutual TLS with the agents' identity certificates (spec.fleet.agentCA),
// its own certificate spec.fleet.serverCertificate, whose key it opens with
// the root key. Reads come from a cache reloaded when the backend's revision
// or the config files change (fleet/serve_cache.h); writes take the state
// lock only for the moment of each request. A watcher thread (LISTEN on
// PostgreSQL, else a check once a second) wakes parked long-polls.
#include <iostream>
#include <thread>

#include "fleet/config_stamps.h"
#include "fleet/fleet_service.h"
#include "fleet/https_server.h"
#include "reconciler/cli/audit_trail.h"
#include "reconciler/cli/commands.h"
#include "state/change_feed.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

// Where the cache and the watcher look for changes: the backend's revision
// and the config files' stamps and digest (with --rev the config is a
// commit's: no stamps, so the cache reloads it at every check).
struct ChangeTokens {
  Backend& backend;
  std::filesystem::path dir;
  std::string skip;  // the state directory, relative to dir
  bool from_commit = false;
  std::string stamps() const { return from_commit ? "" : fleet::config_stamps(dir, skip); }
  std::string digest() const { return from_commit ? "" : fleet::config_digest(dir, skip); }
};

// Waits for a notification (or polls), then says whether any token moved.
// With a change feed (PostgreSQL LISTEN) the state's revision is read when
// a notification came, and otherwise only every five minutes (a safety
// net); without one, every second. The config files' stamps are compared
// every second and their digest once a second.
class ChangeWatcher {
 public:
  explicit ChangeWatcher(const ChangeTokens& tokens)
      : tokens_(tokens), feed_(tokens.backend.change_feed()) {}
  bool operator()(std::chrono::milliseconds timeout) {
    bool notified = true;
    if (feed_)
      notified = feed_->wait(timeout);
    else
      std::this_thread::sleep_for(timeout);
    const auto now = std::chrono::steady_clock::now();
    if (notified || now - state_checked_ >= std::chrono::minutes(5)) {
      state_ = tokens_.backend.revision();
      state_checked_ = now;
    }
    if (now - digested_ >= std::chrono::seconds(1)) {
      digest_ = tokens_.digest();
      digested_ = now;
    }
    std::string seen = state_ + "\n" + tokens_.stamps() + digest_;
    const bool changed = !last_.empty() && seen != last_;
    last_ = std::move(seen);
    return changed;
  }

 private:
  const ChangeTokens& tokens_;
  std::unique_ptr<StateChangeFeed> feed_;
  std::string state_, last_, digest_;
  std::chrono::steady_clock::time_point state_checked_{}, digested_{};
};

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

  const ChangeTokens tokens{ws.backend(), ws.config().dir,
                            config_path(ws.config(), ws.config().project.backend_path)
                                .lexically_relative(ws.config().dir)
                                .generic_string(),
                            !global.rev.empty()};
  fleet::ServeCache cache(
      {[&ws] { return ws.backend().revision(); }, [&store] { return store.current(); },
       [&tokens] { return tokens.stamps(); }, [&tokens] { return tokens.digest(); },
       [&global] { return Workspace(global).config(); }});
  fleet::ServiceEnvironment env;
  env.backend = &ws.backend();
  env.store = &store;
  env.keyring = &keyring;
  env.load_config = [&cache] { return *cache.view(std::chrono::steady_clock::now()).config; };
  env.view = [&cache](std::chrono::steady_clock::time_point t) { return cache.view(t); };
  env.now = [&ws] { return ws.now(); };
  env.audit_record = audit_record;
  fleet::FleetService service(std::move(env));
  server.tick = [&service] {
    try {
      service.flush_deferred_audit();
    } catch (const std::exception& e) {
      std::cerr << "keyform serve: appending the audit records of no-change polls: " << e.what()
                << " (kept; tried again)\n";
    }
  };
  fleet::serve_https(
      server, tls, [&service](const fleet::ApiRequest& r) { return service.handle(r); }, std::cout,
      [watcher = std::make_shared<ChangeWatcher>(tokens)](std::chrono::milliseconds t) {
        return (*watcher)(t);
      });
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
