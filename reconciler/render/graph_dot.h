#pragma once
// The dependency graph as Graphviz DOT (`keyform graph`): one node per
// resource, shaped by its kind, an edge from each resource to what it
// depends on. With a plan, nodes are filled by planned action, resources
// the plan deletes are added (dashed), and a legend names the colours.
#include <string>

#include "reconciler/config/resource.h"
#include "reconciler/graph.h"
#include "reconciler/plan.h"

namespace keyform {

std::string render_graph_dot(const Config& config, const Graph& graph, const Plan* plan);

}  // namespace keyform
