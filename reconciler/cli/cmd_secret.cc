// keyform secret versions ADDR: versions and stages, never values.
// keyform secret get ADDR [--stage S] [--version ID] [--field NAME] [--as P]:
// one value, to stdout only. Every read goes through read_secret_for_cli, the
// one place that checks the policies and appends the audit record.
#include <unistd.h>

#include <iostream>

#include "providers/policy/access_analysis.h"
#include "providers/secrets/secret_read.h"
#include "providers/secrets/secret_versions.h"
#include "reconciler/cli/audit_trail.h"
#include "reconciler/cli/commands.h"
#include "reconciler/cli/reader_options.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

struct SecretCommand {
  std::string address;
  secrets::VersionSelector which;
  bool json = false;
  std::string principal;        // --as; "" acts as the project's owner
  fleet::ReaderOptions server;  // --server: serve reads as the caller's certificate says
};

void print_value(const SecretBytes& value) {
  std::cout.write(reinterpret_cast<const char*>(value.data()),
                  static_cast<std::streamsize>(value.size()));
  if (isatty(STDOUT_FILENO)) std::cout << "\n";
  std::cout.flush();
}

// A refused read, already audited as "denied".
struct DeniedRead : Error {
  using Error::Error;
};

const RecordedResource& recorded_secret(const State& state, const std::string& address) {
  const RecordedResource* r = state.find(address);
  if (!r) throw Error(address + " is not in the state");
  if (r->kind != "Secret") throw Error(address + " is not a Secret");
  return *r;
}

int run_versions(const GlobalOptions& global, const SecretCommand& opts) {
  Workspace ws(global);
  auto loaded = ws.load_state(LockMode::kShared, "secret versions");
  const RecordedResource& r = recorded_secret(loaded.state(), opts.address);
  const nlohmann::json versions = r.attributes.value("versions", nlohmann::json::array());
  if (opts.json) {
    std::cout << versions.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << ws.style().bold(opts.address) << "\n";
  for (const auto& v : versions) {
    std::string stages;
    for (const auto& s : v.value("stages", nlohmann::json::array()))
      stages += (stages.empty() ? "" : ",") + s.get<std::string>();
    std::cout << "  " << v.value("id", "") << "  " << v.value("created", "") << "  " << stages;
    if (v.contains("username")) std::cout << "  user " << v.value("username", "");
    std::cout << "\n";
  }
  if (r.attributes.contains("rotation")) {
    const nlohmann::json& rot = r.attributes["rotation"];
    std::cout << "  rotation to " << rot.value("version", "") << " stopped after step "
              << rot.value("step", "") << "; the next apply finishes it\n";
  }
  if (r.attributes.contains("deleted"))
    std::cout << "  scheduled for deletion since " << r.attributes.value("deleted", "") << "\n";
  return kExitOk;
}

int run_get(const GlobalOptions& global, const SecretCommand& opts) {
  if (!opts.which.version_id.empty() && opts.which.stage != "CURRENT")
    throw Error("give --stage or --version, not both");
  if (!opts.server.server.empty() || !opts.server.dir.empty() || !opts.server.cert.empty()) {
    // The caller is its certificate's principal; there is nothing to claim.
    if (!opts.principal.empty())
      throw Error("--as is for local reads; with --server the principal is the certificate's");
    print_value(fleet::fetch_secret(opts.server, opts.address, opts.which));
    return kExitOk;
  }
  Workspace ws(global);
  auto loaded = ws.load_state(LockMode::kShared, "secret get");
  const State& state = loaded.state();
  recorded_secret(state, opts.address);
  Keyring keyring(ws.root_key(state), ws.backend().objects());
  keyring.set_key_states(state);
  const std::string principal =
      opts.principal.empty() ? apply_principal(ws.config()) : opts.principal;
  print_value(read_secret_for_cli(ws, state, principal, opts.address, keyring, opts.which));
  return kExitOk;
}

}  // namespace

SecretBytes read_secret_for_cli(Workspace& ws, const State& state, const std::string& principal,
                                const std::string& address, Keyring& keyring,
                                const secrets::VersionSelector& which) {
  // The version id the record names (the selected one, when it exists),
  // and its stage for the secret:VersionStage condition.
  const secrets::SelectedVersion selected = secrets::selected_version(state.find(address), which);
  const std::string& version = selected.id;
  const std::string& stage = selected.stage;
  policy::Context context;
  if (!stage.empty()) context["secret:VersionStage"] = stage;
  // A project without an account has no policies to ask: whoever holds the
  // root key reads as its owner.
  const bool owner_without_account =
      ws.config().project.account.empty() && principal == apply_principal(ws.config());
  std::string because = "the project has no account; read by the holder of the root key";
  // A Secret no longer in the configuration has no policies to evaluate: its
  // owner goes on to the read (which names its pending deletion), anyone
  // else is refused.
  const bool owner = principal == apply_principal(ws.config());
  const bool configured = ws.config().find(address) != nullptr;
  if (!configured) because = address + " is not in the configuration; read as its owner";
  try {
    if (!configured && !owner) {
      const std::string why = principal + " cannot read " + address +
                              ": it is not in the configuration, so no policy allows it";
      audit_secret_read(ws, principal, address, version, "denied", why);
      throw DeniedRead(why);
    }
    if (!owner_without_account && configured) {
      policy::Decision d =
          policy::authorize(ws.config(), principal, "secret:GetSecretValue", address, context);
      if (!d.allowed) {
        const std::string why =
            principal + " cannot read " + address + ": it " + policy::refusal(d);
        audit_secret_read(ws, principal, address, version, "denied", why);
        throw DeniedRead(why);
      }
      because = d.because();
    }
    SecretBytes value = secrets::read_secret_version(state, address, keyring, which);
    audit_secret_read(ws, principal, address, version, "ok", because);
    return value;
  } catch (const DeniedRead&) {
    throw;
  } catch (const Error& e) {
    audit_secret_read(ws, principal, address, version, "failed", e.what());
    throw;
  }
}

void register_secret(CLI::App& app, const GlobalOptions& global, Runner* run) {
  CLI::App* cmd = app.add_subcommand("secret", "Read secrets and list their versions");
  cmd->require_subcommand(1);

  auto versions = std::make_shared<SecretCommand>();
  CLI::App* v = cmd->add_subcommand("versions", "List a secret's versions and stages (no values)");
  v->add_option("address", versions->address, "Secret/NAME")->required();
  v->add_flag("--json", versions->json, "Print as JSON");
  v->callback([&global, run, versions] {
    *run = [&global, versions] { return run_versions(global, *versions); };
  });

  auto get = std::make_shared<SecretCommand>();
  CLI::App* g = cmd->add_subcommand("get", "Print one version of a secret's value to stdout");
  g->add_option("address", get->address, "Secret/NAME")->required();
  g->add_option("--stage", get->which.stage, "CURRENT (default), PENDING or PREVIOUS")
      ->check(CLI::IsMember({"CURRENT", "PENDING", "PREVIOUS"}));
  g->add_option("--version", get->which.version_id, "A version id from `secret versions`");
  g->add_option("--field", get->which.field, "One field of a fields or certificate value");
  g->add_option("--as", get->principal,
                "Read as this principal (account:ID/role:NAME); default: the project's owner");
  add_reader_options(g, get->server);
  g->callback([&global, run, get] { *run = [&global, get] { return run_get(global, *get); }; });
}

}  // namespace keyform::cli
