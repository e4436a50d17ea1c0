// keyform validate: config, schema, references and cycles. Needs no state.
#include <iostream>

#include "reconciler/cli/commands.h"

namespace keyform::cli {

void register_validate(CLI::App& app, const GlobalOptions& global, Runner* run) {
  CLI::App* cmd =
      app.add_subcommand("validate", "Check the configuration without touching the state");
  cmd->callback([&global, run] {
    *run = [&global] {
      Workspace ws(global);
      std::cout << "The configuration is valid: " << ws.config().resources.size()
                << " resources.\n";
      return kExitOk;
    };
  });
}

}  // namespace keyform::cli
