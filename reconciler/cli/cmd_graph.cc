// keyform graph: the dependency graph in Graphviz DOT; with --plan, nodes
// are coloured by the action the plan holds for them.
#include <iostream>

#include "reconciler/cli/commands.h"
#include "reconciler/render/graph_dot.h"

namespace keyform::cli {

void register_graph(CLI::App& app, const GlobalOptions& global, Runner* run) {
  CLI::App* cmd = app.add_subcommand("graph", "Print the dependency graph in Graphviz DOT");
  auto with_plan = std::make_shared<bool>(false);
  cmd->add_flag("--plan", *with_plan,
                "Colour resources by the action a plan holds for them (reads the state)");
  cmd->callback([&global, run, with_plan] {
    *run = [&global, with_plan] {
      Workspace ws(global);
      if (!*with_plan) {
        std::cout << render_graph_dot(ws.config(), ws.graph(), nullptr);
        return kExitOk;
      }
      auto loaded = ws.load_state(LockMode::kShared, "graph");
      Plan plan = make_plan_for(ws, loaded.state(), PlanFlags{});
      std::cout << render_graph_dot(ws.config(), ws.graph(), &plan);
      return kExitOk;
    };
  });
}

}  // namespace keyform::cli
