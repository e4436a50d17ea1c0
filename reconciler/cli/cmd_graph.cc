// keyform graph: the dependency graph in Graphviz DOT.
#include <iostream>

#include "reconciler/cli/commands.h"

namespace keyform::cli {

void register_graph(CLI::App& app, const GlobalOptions& global, Runner* run) {
  CLI::App* cmd = app.add_subcommand("graph", "Print the dependency graph in Graphviz DOT");
  cmd->callback([&global, run] {
    *run = [&global] {
      Workspace ws(global);
      std::cout << "digraph keyform {\n  rankdir=LR;\n";
      for (const std::string& a : ws.graph().topological_order()) {
        std::cout << "  \"" << a << "\";\n";
        for (const std::string& d : ws.graph().dependencies(a))
          std::cout << "  \"" << a << "\" -> \"" << d << "\";\n";
      }
      std::cout << "}\n";
      return kExitOk;
    };
  });
}

}  // namespace keyform::cli
