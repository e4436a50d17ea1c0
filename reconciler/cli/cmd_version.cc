// keyform version [--json] (and keyform --version): the release, from
// CMake's project(VERSION), and the versions of the formats this binary
// writes, so a state or a saved plan can be matched to a binary.
#include <iostream>

#include "reconciler/cli/commands.h"
#include "reconciler/drift.h"
#include "reconciler/saved_plan.h"
#include "state/state.h"

#ifndef KEYFORM_VERSION
#error "KEYFORM_VERSION is set by CMakeLists.txt from project(VERSION)"
#endif

namespace keyform::cli {

std::string version_text() {
  return std::string("keyform ") + KEYFORM_VERSION + "\nstate format " +
         std::to_string(kStateFormatVersion) + ", saved plan format " +
         std::to_string(kSavedPlanFormatVersion) + ", plan JSON format " +
         std::to_string(kPlanFormatVersion) + ", drift JSON format " +
         std::to_string(kDriftFormatVersion);
}

void register_version(CLI::App& app, const GlobalOptions&, Runner* run) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd =
      app.add_subcommand("version", "Print keyform's version and the formats it writes");
  cmd->add_flag("--json", *json, "Print them as JSON");
  cmd->callback([run, json] {
    *run = [json] {
      if (!*json) {
        std::cout << version_text() << "\n";
        return kExitOk;
      }
      nlohmann::json out = {{"version", KEYFORM_VERSION},
                            {"state_format_version", kStateFormatVersion},
                            {"saved_plan_format_version", kSavedPlanFormatVersion},
                            {"plan_format_version", kPlanFormatVersion},
                            {"drift_format_version", kDriftFormatVersion}};
      std::cout << out.dump(2) << "\n";
      return kExitOk;
    };
  });
}

}  // namespace keyform::cli
