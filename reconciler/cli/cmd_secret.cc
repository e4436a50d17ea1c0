// keyform secret versions ADDR: versions and stages, never values.
// keyform secret get ADDR [--stage S] [--version ID] [--field NAME]: one
// value, to stdout only. Every read goes through read_secret_for_cli, the
// one place that audit and policy checks hook into.
#include <unistd.h>

#include <iostream>

#include "providers/secrets/secret_read.h"
#include "providers/secrets/secret_versions.h"
#include "reconciler/cli/commands.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

struct SecretCommand {
  std::string address;
  secrets::VersionSelector which;
  bool json = false;
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
  Workspace ws(global);
  auto loaded = ws.load_state(LockMode::kShared, "secret get");
  const State& state = loaded.state();
  recorded_secret(state, opts.address);
  Keyring keyring(ws.root_key(state), ws.backend().objects());
  keyring.set_key_states(state);
  SecretBytes value = read_secret_for_cli(state, opts.address, keyring, opts.which);
  std::cout.write(reinterpret_cast<const char*>(value.data()),
                  static_cast<std::streamsize>(value.size()));
  if (isatty(STDOUT_FILENO)) std::cout << "\n";
  std::cout.flush();
  return kExitOk;
}

}  // namespace

SecretBytes read_secret_for_cli(const State& state, const std::string& address, Keyring& keyring,
                                const secrets::VersionSelector& which) {
  return secrets::read_secret_version(state, address, keyring, which);
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
  g->callback([&global, run, get] { *run = [&global, get] { return run_get(global, *get); }; });
}

}  // namespace keyform::cli
