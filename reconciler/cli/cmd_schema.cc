// keyform schema [KIND]: the JSON Schema of a kind, for editors and CI lint.
#include <iostream>

#include "reconciler/cli/commands.h"
#include "schema/embedded.h"
#include "util/error.h"
#include "util/nearest.h"

namespace keyform::cli {

void register_schema(CLI::App& app, const GlobalOptions&, Runner* run) {
  auto kind = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("schema", "Print the JSON Schema of a kind (no KIND: list the kinds)");
  cmd->add_option("kind", *kind, "The kind, e.g. Certificate");
  cmd->callback([run, kind] {
    *run = [kind] {
      std::vector<std::string> kinds;
      for (const auto& s : schema::embedded_schemas()) {
        if (s.kind == *kind) {
          std::cout << s.text;
          return kExitOk;
        }
        kinds.emplace_back(s.kind);
      }
      if (kind->empty()) {
        for (const std::string& k : kinds) std::cout << k << "\n";
        return kExitOk;
      }
      throw Error("no kind named \"" + *kind + "\"" + did_you_mean(*kind, kinds));
    };
  });
}

}  // namespace keyform::cli
