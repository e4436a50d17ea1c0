// keyform schema [KIND]: the JSON Schema of a kind, for editors and CI lint.
#include <iostream>

#include "reconciler/cli/commands.h"
#include "schema/catalog.h"
#include "util/error.h"
#include "util/nearest.h"

namespace keyform::cli {

void register_schema(CLI::App& app, const GlobalOptions&, Runner* run) {
  auto kind = std::make_shared<std::string>();
  CLI::App* cmd =
      app.add_subcommand("schema", "Print the JSON Schema of a kind (no KIND: list the kinds)");
  cmd->add_option("kind", *kind, "The kind, e.g. Certificate");
  cmd->callback([run, kind] {
    *run = [kind] {
      if (kind->empty()) {
        for (const std::string& k : schema::schema_kinds()) std::cout << k << "\n";
        return kExitOk;
      }
      std::string_view text = schema::schema_text(*kind);
      if (text.empty())
        throw Error("no kind named \"" + *kind + "\"" +
                    did_you_mean(*kind, schema::schema_kinds()));
      std::cout << text;
      return kExitOk;
    };
  });
}

}  // namespace keyform::cli
