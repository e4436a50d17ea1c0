// keyform drift: observes the world (deployed files, expiry, sealed objects)
// against the recorded state. Reads only; exit 2 when anything drifted.
#include <cstdlib>
#include <iostream>

#include "providers/provider.h"
#include "reconciler/cli/commands.h"
#include "reconciler/drift.h"
#include "reconciler/render/drift_render.h"

namespace keyform::cli {

std::unique_ptr<Keyring> keyring_if_available(Workspace& ws, const State& state) {
  const std::string& var = ws.config().project.root_key_env;
  const char* value = var.empty() ? nullptr : std::getenv(var.c_str());
  if ((!value || !*value) && !std::filesystem::exists(ws.default_root_key_file())) return nullptr;
  auto keyring = std::make_unique<Keyring>(ws.root_key(state), ws.backend().objects());
  keyring->set_key_states(state);
  return keyring;
}

namespace {

struct DriftCommand {
  bool json = false;
  bool markdown = false;
  bool strict = false;  // NOT_CHECKED fails too
};

int run_drift(const GlobalOptions& global, const DriftCommand& opts) {
  Workspace ws(global);
  auto loaded = ws.load_state(LockMode::kShared, "drift");
  const State& state = loaded.state();
  std::unique_ptr<Keyring> keyring = keyring_if_available(ws, state);
  if (!keyring) {
    const std::string& var = ws.config().project.root_key_env;
    std::cerr << ws.style().yellow("Warning: ") << "no root key found ("
              << (var.empty() ? "" : "set " + var + " or ") << "put it in "
              << ws.default_root_key_file().string()
              << "): checks of sealed keys and deployed private keys and values are "
                 "NOT_CHECKED\n";
  }
  DriftReport report =
      observe_drift(ws.config(), state, builtin_providers(), ws.now(), keyring.get());
  if (opts.json)
    std::cout << render_drift_json(report).dump(2) << "\n";
  else if (opts.markdown)
    std::cout << render_drift_markdown(report);
  else
    std::cout << render_drift_text(report, ws.style());
  if (report.drifted()) return kExitChanges;
  if (opts.strict && report.counts()[Observation::kNotChecked] > 0) return kExitChanges;
  return kExitOk;
}

}  // namespace

void register_drift(CLI::App& app, const GlobalOptions& global, Runner* run) {
  auto opts = std::make_shared<DriftCommand>();
  CLI::App* cmd = app.add_subcommand(
      "drift", "Compare the recorded state with the world; exit 2 when anything drifted");
  CLI::Option* json = cmd->add_flag("--json", opts->json,
                                    "Print the report as JSON (format: docs/drift-format.md)");
  cmd->add_flag("--markdown", opts->markdown, "Print the report as markdown")->excludes(json);
  cmd->add_flag("--strict", opts->strict,
                "Exit 2 also when anything was NOT_CHECKED (no root key, a server not reached)");
  cmd->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_drift(global, *opts); }; });
}

}  // namespace keyform::cli
