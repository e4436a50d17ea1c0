#pragma once
// One registrar per command; each lives in its own cmd_*.cc.
#include "providers/secrets/secret_read.h"
#include "reconciler/cli/workspace.h"
#include "reconciler/plan.h"
#include "state/keyring.h"

namespace keyform::cli {

void register_init(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_validate(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_plan(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_apply(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_show(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_state(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_schema(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_graph(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_drift(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_ca(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_access(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_audit(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_secret(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_seal(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_kms(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_serve(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_agent(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_version(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_completion(CLI::App& app, const GlobalOptions& global, Runner* run);
void register_metrics(CLI::App& app, const GlobalOptions& global, Runner* run);

// "keyform 0.1.0" and the format versions this binary writes (cmd_version.cc).
std::string version_text();

// Shared by plan and apply: flags that shape a plan, and making one.
struct PlanFlags {
  std::string at;  // --at TIME
  std::vector<std::string> targets;
  std::vector<std::string> replace;
  // What apply observed before planning (PlanOptions::observed); null in plan.
  const std::map<std::string, Observation>* observed = nullptr;
};
void add_plan_flags(CLI::App* cmd, PlanFlags* flags, bool with_at);
Plan make_plan_for(Workspace& ws, const State& state, const PlanFlags& flags);

// A keyring when a root key is configured or present (cmd_drift.cc); null
// when none can be found. A key that is given but wrong is still an error.
std::unique_ptr<Keyring> keyring_if_available(Workspace& ws, const State& state);

}  // namespace keyform::cli

namespace keyform::cli {

// The read path of `keyform secret get` (cmd_secret.cc): authorizes
// `principal` (secret:GetSecretValue on the Secret and kms:Decrypt on its
// KmsKey), reads, and appends one audit record whatever the outcome. A
// refusal throws, naming the missing permission and where to add it.
SecretBytes read_secret_for_cli(Workspace& ws, const State& state, const std::string& principal,
                                const std::string& address, Keyring& keyring,
                                const secrets::VersionSelector& which);

}  // namespace keyform::cli
